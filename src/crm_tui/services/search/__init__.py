"""Customer search and listing, and the documents customers are found by."""

from crm_tui.services.search.service import SearchService
from crm_tui.services.search.values import (
    Cursor,
    CustomerRow,
    Kpis,
    Page,
    SearchFilters,
    SortKey,
    SortSpec,
)

__all__ = [
    "Cursor",
    "CustomerRow",
    "Kpis",
    "Page",
    "SearchFilters",
    "SearchService",
    "SortKey",
    "SortSpec",
]
