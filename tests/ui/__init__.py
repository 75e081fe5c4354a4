"""Pilot and snapshot tests of the Textual UI (a package, so its conftest has a name of its own)."""
