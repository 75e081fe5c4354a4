"""The customer table's window: consecutive pages of a result read by keyset.

The table never holds the whole result. It holds at most `max_pages`
consecutive pages; when the cursor (or the view) comes within `margin` rows
of either end it asks for the neighbouring page, carrying the keyset cursor
that page starts after. Pages that fall out of the window are dropped,
keeping only their start cursor (a few bytes), so memory stays flat however
far one scrolls. This is the bookkeeping alone; the table paints and scrolls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm_tui.services.search import Cursor, CustomerRow


@dataclass
class Page:
    index: int
    rows: tuple[CustomerRow, ...]
    next: Cursor | None
    has_more: bool


class PageWindow:
    """Pages `pages[0].index` to `pages[-1].index`, and the start cursor of every page
    seen so far (`starts[i]`: the cursor page i starts after; None for the first)."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.starts: list[Cursor | None] = [None]
        self.pending: int | None = None  # the page asked for and not yet come

    def reset(
        self, rows: Sequence[CustomerRow], after: Cursor | None, has_more: bool, origin: int
    ) -> None:
        """A new result from page `origin` on (0: the top)."""
        self.starts = self.starts[: origin + 1] if origin else [None]
        self.pages = [Page(origin, tuple(rows), after, has_more)]
        self.pending = None

    def rows(self) -> list[CustomerRow]:
        return [row for page in self.pages for row in page.rows]

    @property
    def first_index(self) -> int:
        return self.pages[0].index if self.pages else 0

    def origin(self) -> tuple[int, Cursor | None]:
        """(first page index, the cursor it starts after)."""
        if not self.pages:
            return 0, None
        first = self.pages[0].index
        return first, self.starts[first]

    def end(self) -> Cursor | None:
        """The cursor of the window's last row, or None when nothing follows it."""
        if not self.pages or not self.pages[-1].has_more:
            return None
        return self.pages[-1].next

    def add(
        self,
        page: Page,
        view: tuple[int, int],
        max_pages: int,
        margin: int,
    ) -> int | None:
        """Put the asked-for neighbouring `page` in; drop pages far beyond the `view` (first
        and last row the cursor or view touches) past `max_pages`. Returns how many rows
        the window's first row moved down by (None: not the page asked for, ignored)."""
        if page.index != self.pending:
            return None
        self.pending = None
        if not self.pages:
            return None
        last, first = self.pages[-1], self.pages[0]
        top, bottom = view
        if page.index == last.index + 1:
            if len(self.starts) == page.index:
                self.starts.append(last.next)
            self.pages.append(page)
            # Drop pages wholly above the view (with room to spare, so the
            # window does not immediately ask for them back).
            dropped = 0
            while (
                len(self.pages) > max_pages
                and dropped + len(self.pages[0].rows) <= top - 2 * margin
            ):
                dropped += len(self.pages.pop(0).rows)
            return -dropped
        if page.index == first.index - 1:
            self.pages.insert(0, page)
            added = len(page.rows)
            end = sum(len(p.rows) for p in self.pages)
            while (
                len(self.pages) > max_pages
                and end - len(self.pages[-1].rows) >= bottom + added + 2 * margin
            ):
                end -= len(self.pages.pop().rows)
            return added
        return None

    def wanted(
        self, view: tuple[int, int], row_count: int, margin: int
    ) -> tuple[int, Cursor | None] | None:
        """The page to ask for now (index, the cursor it starts after), marked pending, when
        the `view` comes within `margin` rows of an end that has more; else None."""
        if self.pending is not None or not self.pages:
            return None
        top, bottom = view
        last, first = self.pages[-1], self.pages[0]
        if last.has_more and bottom >= row_count - margin:
            self.pending = last.index + 1
            return self.pending, last.next
        if first.index > 0 and top < margin:
            self.pending = first.index - 1
            return self.pending, self.starts[first.index - 1]
        return None
