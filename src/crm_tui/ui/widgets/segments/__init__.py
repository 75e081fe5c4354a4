"""The segment editor's parts: one row per rule."""
