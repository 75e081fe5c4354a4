"""The table of customers: a sliding window of search results, with marks.

It is a Line API widget (a `ScrollView` that paints each visible line
itself) rather than a `DataTable`: a keystroke replaces the whole result, and
DataTable re-measures and re-renders every cell through Rich on each
replacement, which cost 40-90 ms per keystroke. Here a line is a handful of
segments built from the row, cached per row.

The table never holds the whole result: it shows a window of at most
`MAX_PAGES` consecutive pages (page_window.py keeps them) and asks for the
neighbouring page with `PageWanted` when the cursor or the view comes within
`MARGIN` rows of either end.

Its columns, cells and lines come from table_cells.py: stored text is shown
as typed, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from crm_tui.services.search import Cursor, CustomerRow
from crm_tui.ui.widgets.list.page_window import Page, PageWindow
from crm_tui.ui.widgets.list.table_cells import (
    TABLE_CSS,
    ColumnSpec,
    columns_for,
    line_segments,
    row_cells,
)
from crm_tui.ui.widgets.row_cursor import RowCursorView

MONEY_KEYS = ("ltv", "owed")  # columns of summary figures, in the reporting currency


class CustomerTable(RowCursorView, can_focus=True):
    """A window of customer rows with a cursor and a mark column; line 0 is the header."""

    MARGIN: ClassVar[int] = 10
    MAX_PAGES: ClassVar[int] = 6
    CELL_PADDING: ClassVar[int] = 1

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First", show=False),
        Binding("end,ctrl+end", "last_row", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "customer-table--header",
        "customer-table--even-row",
        "customer-table--cursor",
    }
    DEFAULT_CSS = TABLE_CSS

    @dataclass
    class CustomerSelected(Message):
        """Enter (or a click on the highlighted row): open this customer."""

        customer_id: int

    @dataclass
    class PageWanted(Message):
        """The window needs page `index`, which starts after `after`."""

        index: int
        after: Cursor | None

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.is_marked: Callable[[int], bool] = lambda _id: False
        self.cursor_row = 0
        self.window = PageWindow()
        self._rows: list[CustomerRow] = []
        self._layout: list[tuple[ColumnSpec, int]] = []
        self.figure = "ltv"  # or "owed": the last column, as the sort order wants it
        self.currency = (
            ""  # the reporting currency of the LTV and Owed columns (the screen sets it)
        )
        # A row's cells as segments (before the zebra or cursor style), per mark state:
        # all a line shows comes from the row, its mark and the column layout
        # (the cache is cleared when the layout changes), so a row that compares
        # equal paints the same, whichever search brought it back.
        self._segments: LRUCache[tuple[CustomerRow, bool], list[Segment]] = LRUCache(1024)
        self._styles: dict[tuple[str, bool], Style] = {}

    # --- reading -----------------------------------------------------------------

    @property
    def loaded_rows(self) -> Sequence[CustomerRow]:
        """The rows in the window, top to bottom."""
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def first_page(self) -> int:
        return self.window.first_index

    @property
    def current(self) -> CustomerRow | None:
        if not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row]

    @property
    def current_id(self) -> int | None:
        row = self.current
        return None if row is None else row.id

    @property
    def column_keys(self) -> list[str]:
        """The keys of the columns shown at this width, left to right."""
        return [spec.key for spec, _width in self._layout]

    def cells(self, index: int) -> list[Text]:
        """The cells painted for loaded row `index`, one per shown column."""
        return self._cells(self._rows[index])

    # --- filling -------------------------------------------------------------------

    def reset(
        self,
        rows: Sequence[CustomerRow],
        after: Cursor | None,
        has_more: bool,
        *,
        origin: int = 0,
        keep_id: int | None = None,
    ) -> None:
        """Show a new result from page `origin` on (0: the top), cursor on `keep_id` if shown.

        A refresh in place passes the window's origin (see `window_origin`) so
        the list does not jump back to the top after an edit.
        """
        view_offset = self.cursor_row - round(self.scroll_y)
        self.window.reset(rows, after, has_more, origin)
        ids = [row.id for row in rows]
        if keep_id in ids:
            self._rebuild(cursor_row=ids.index(keep_id), view_offset=view_offset)
        else:
            self._rebuild(cursor_row=0, view_offset=0)

    def window_origin(self) -> tuple[int, Cursor | None, int]:
        """(first page index, the cursor it starts after, rows in the window)."""
        first, after = self.window.origin()
        return first, after, len(self._rows)

    def window_end(self) -> Cursor | None:
        """The cursor of the window's last row, or None when nothing follows it."""
        return self.window.end()

    def add_page(
        self, index: int, rows: Sequence[CustomerRow], after: Cursor | None, has_more: bool
    ) -> None:
        """Put a fetched neighbouring page into the window (ignored when not adjacent)."""
        page = Page(index, tuple(rows), after, has_more)
        moved = self.window.add(page, self._view_span(), self.MAX_PAGES, self.MARGIN)
        if moved is not None:
            self._shift(moved)

    def forget_pending(self) -> None:
        """The asked-for page will not come (its fetch failed): allow asking again."""
        self.window.pending = None

    def refresh_marks(self) -> None:
        """Redraw the mark column (cells are cached per mark state, so a repaint does it)."""
        self.refresh()

    # --- window upkeep ---------------------------------------------------------------

    def _shift(self, delta: int) -> None:
        """Rebuild after the window moved by `delta` rows, keeping the view steady."""
        view_offset = self.cursor_row - round(self.scroll_y)
        self._rebuild(cursor_row=self.cursor_row + delta, view_offset=view_offset)

    def _rebuild(self, *, cursor_row: int, view_offset: int) -> None:
        """Lay the pages out as rows, put the cursor on `cursor_row`, `view_offset` lines
        below the top of the view, and repaint."""
        self._rows = self.window.rows()
        self.virtual_size = Size(self._content_width(), len(self._rows) + 1)
        self.cursor_row = max(0, min(cursor_row, len(self._rows) - 1))
        self.scroll_to(
            y=max(0, self.cursor_row - max(0, view_offset)), animate=False, immediate=True
        )
        self._keep_cursor_in_view()
        self.refresh()
        self._check_window()

    def _view_span(self) -> tuple[int, int]:
        """First and last row index that the cursor or the view touches."""
        top = min(self.cursor_row, round(self.scroll_y))
        bottom = max(self.cursor_row, round(self.scroll_y) + self._view_height())
        return top, bottom

    def _check_window(self) -> None:
        """Ask for the next or previous page when the cursor or view nears an end."""
        wanted = self.window.wanted(self._view_span(), len(self._rows), self.MARGIN)
        if wanted is not None:
            self.post_message(self.PageWanted(*wanted))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_window()

    # --- the cursor -----------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Put the cursor on loaded row `row` (clamped), scrolling it into view."""
        target = max(0, min(row, len(self._rows) - 1))
        if target != self.cursor_row:
            self.cursor_row = target
            self.refresh()
        self._keep_cursor_in_view()
        self._check_window()

    def action_open(self) -> None:
        customer_id = self.current_id
        if customer_id is not None:
            self.post_message(self.CustomerSelected(customer_id))

    _choose = action_open

    # --- painting --------------------------------------------------------------------

    def show_figure(self, figure: str) -> None:
        """Show lifetime value ("ltv"), the outstanding balance ("owed") or days overdue
        ("overdue") last."""
        if figure != self.figure:
            self.figure = figure
            self.on_resize(None)

    def on_resize(self, _event: events.Resize | None) -> None:
        layout = columns_for(self.size.width, self.CELL_PADDING, self.figure)
        if layout == self._layout:
            return
        self._layout = layout
        self._segments.clear()
        self.virtual_size = Size(self._content_width(), len(self._rows) + 1)
        self._keep_cursor_in_view()
        self.refresh()

    def _content_width(self) -> int:
        return sum(width + 2 * self.CELL_PADDING for _spec, width in self._layout)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self._style("customer-table--header")
            headings = [
                Text(f"{spec.label} {self.currency}" if spec.key in MONEY_KEYS else spec.label)
                for spec, _width in self._layout
            ]
            style += Style.from_meta({"row": -1})
            heading = Segment.apply_style(self._line(headings), style)
            return Strip(heading).crop_extend(0, width, style)
        index = y - 1 + round(self.scroll_y)
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self._style(""))
        row = self._rows[index]
        marked = self.is_marked(row.id)
        segments = self._segments.get((row, marked))
        if segments is None:
            segments = self._line(self._cells(row))
            self._segments[(row, marked)] = segments
        style = self._style("customer-table--even-row" if index % 2 else "")
        post = self._style("customer-table--cursor") if index == self.cursor_row else None
        style += Style.from_meta({"row": index})
        line = Segment.apply_style(segments, style, post)
        return Strip(line).crop_extend(0, width, post or style)

    def _line(self, cells: list[Text]) -> list[Segment]:
        return line_segments(cells, self._layout, self.app.console, self.CELL_PADDING)

    def _cells(self, row: CustomerRow) -> list[Text]:
        return row_cells(row, self._layout, marked=self.is_marked(row.id))
