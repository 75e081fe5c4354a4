"""The `crm` command line. Never imports Textual (only `crm` itself, to open the app)."""

from crm_tui.cli.main import main

__all__ = ["main"]
