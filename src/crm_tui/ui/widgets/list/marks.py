"""Which rows of the customer list are marked: picked ids, or every match."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_tui.services.bulk.selection import Selection
from crm_tui.services.search import SearchFilters
from crm_tui.wording import plural


@dataclass
class Marks:
    """Hand-marked ids, or every match of one search minus the rows unmarked since."""

    ids: set[int] = field(default_factory=set)
    all_matches: bool = False
    excluded: set[int] = field(default_factory=set)
    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)

    def __bool__(self) -> bool:
        return bool(self.ids) or self.all_matches

    def is_marked(self, customer_id: int) -> bool:
        if self.all_matches:
            return customer_id not in self.excluded
        return customer_id in self.ids

    def toggle(self, customer_id: int) -> None:
        if self.all_matches:
            self.excluded ^= {customer_id}
        else:
            self.ids ^= {customer_id}

    def mark_all(self, query: str, filters: SearchFilters) -> None:
        self.ids.clear()
        self.excluded.clear()
        self.all_matches, self.query, self.filters = True, query, filters

    def clear(self) -> None:
        self.ids.clear()
        self.excluded.clear()
        self.all_matches = False

    def forget_all_matches(self) -> bool:
        """Drop an all-matches mark (the search it belonged to changed); True if one was dropped."""
        if not self.all_matches:
            return False
        self.clear()
        return True

    def describe(self, match_count: int | None, exact: bool) -> str:
        """'3 marked', 'all 1,234 marked', 'all 10,000+ marked'."""
        if self.all_matches:
            if match_count is None:
                return "all matches marked"
            n = max(0, match_count - len(self.excluded)) if exact else match_count
            return f"all {n:,}{'' if exact else '+'} marked"
        return f"{len(self.ids):,} marked" if self.ids else ""

    def scope(self, match_count: int | None, exact: bool) -> str:
        """What a bulk action applies to, in words: '3 marked customers'."""
        if self.all_matches:
            if match_count is None:
                return "all matching customers"
            n = max(0, match_count - len(self.excluded)) if exact else match_count
            return matching_scope(n, exact)
        n = len(self.ids)
        return f"{n:,} marked {plural('customer', n)}"

    def selection(self) -> Selection:
        return Selection(
            ids=frozenset(self.ids),
            all_matches=self.all_matches,
            query=self.query,
            filters=self.filters,
            excluded=frozenset(self.excluded),
        )


def matching_scope(n: int, exact: bool) -> str:
    """'the 1 matching customer', 'all 300 matching customers', 'all 10,000+ matching customers'."""
    if exact and n == 1:
        return "the 1 matching customer"
    return f"all {n:,}{'' if exact else '+'} matching {plural('customer', n)}"
