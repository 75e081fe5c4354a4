"""Customer search and listing, and the documents customers are found by."""

from crm_tui.services.search.service import SearchService

__all__ = ["SearchService"]
