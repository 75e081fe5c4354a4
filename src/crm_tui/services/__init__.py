"""Business rules, queries and figures. Never imports Textual or the UI."""
