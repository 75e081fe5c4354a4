"""Which customers a bulk action applies to: a value the list builds as the user marks
rows, before the database stack (and the bulk service) has loaded."""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.services.search.values import SearchFilters


@dataclass(frozen=True)
class Selection:
    """Which customers a bulk action applies to.

    `ids` are hand-marked customers. With `all_matches`, every customer the
    search `query` and `filters` match, except `excluded`, plus `ids`.
    """

    ids: frozenset[int] = frozenset()
    all_matches: bool = False
    query: str = ""
    filters: SearchFilters | None = None
    excluded: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.ids and not self.all_matches
