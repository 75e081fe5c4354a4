"""Customer search and listing, and the documents customers are found by.

The service is loaded on first use (PEP 562), so the pure parts of this
package (query parsing, ranking) import without SQLAlchemy: the lean read
path of `crm lookup` runs them over a plain DB-API connection.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crm_tui.services.search.values import (
    Cursor,
    CustomerRow,
    Kpis,
    Page,
    SearchFilters,
    SortKey,
    SortSpec,
)

if TYPE_CHECKING:
    from crm_tui.services.search.service import SearchService

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


def __getattr__(name: str) -> Any:
    if name == "SearchService":
        return importlib.import_module("crm_tui.services.search.service").SearchService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
