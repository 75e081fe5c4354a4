"""The table of customers: a sliding window of search results, with marks.

The table never holds the whole result. It shows a window of at most
`MAX_PAGES` consecutive pages; when the cursor (or the view) comes within
`MARGIN` rows of either end it asks for the neighbouring page with
`PageWanted`, carrying the keyset cursor that page starts after. Pages that
fall out of the window are dropped, keeping only their start cursor (a few
bytes), so memory stays flat however far one scrolls.

Every cell is a `rich.text.Text`, so stored text such as `[bold]x[/]` is shown
as typed; DataTable would parse a plain `str` cell as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.services.search import Cursor, CustomerRow
from crm_tui.ui.widgets.detail_base import literal

MARK = "●"
STATUS_STYLES = {
    "active": "",
    "prospect": "italic",
    "inactive": "dim",
    "churned": "dim",
    "blocked": "bold red",
    "merged": "dim strike",
}


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@dataclass(frozen=True)
class ColumnSpec:
    """One column: key, heading, fixed width (or 0 for a share of the rest)."""

    key: str
    label: str
    width: int
    justify: str = "left"


FIXED_COLUMNS = (
    ColumnSpec("mark", " ", 1),
    ColumnSpec("number", "Number", 8),
    ColumnSpec("name", "Name", 0),
    ColumnSpec("status", "Status", 8),
    ColumnSpec("email", "E-mail", 0),
)
# Extra columns as the terminal widens: (minimum table width, column).
OPTIONAL_COLUMNS = (
    (96, ColumnSpec("phone", "Phone", 15)),
    (118, ColumnSpec("subs", "Subs", 4, "right")),
    (130, ColumnSpec("joined", "Joined", 10)),
)
LTV_COLUMN = ColumnSpec("ltv", "LTV", 10, "right")


def columns_for(width: int, cell_padding: int = 1) -> list[tuple[ColumnSpec, int]]:
    """The columns that fit in `width` cells, with the flexible ones sized."""
    specs = list(FIXED_COLUMNS)
    specs += [spec for minimum, spec in OPTIONAL_COLUMNS if width >= minimum]
    specs.append(LTV_COLUMN)
    fixed = sum(spec.width for spec in specs) + 2 * cell_padding * len(specs)
    rest = max(20, width - fixed - 2)  # 2: the vertical scrollbar
    name_width = max(10, rest * 11 // 20)
    email_width = max(10, rest - name_width)
    sized = {"name": name_width, "email": email_width}
    return [(spec, sized.get(spec.key, spec.width)) for spec in specs]


@dataclass
class _Page:
    index: int
    rows: tuple[CustomerRow, ...]
    next: Cursor | None
    has_more: bool


class CustomerTable(DataTable[Text]):
    """A window of customer rows keyed by id, with a mark column."""

    MARGIN: ClassVar[int] = 10
    MAX_PAGES: ClassVar[int] = 6

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
    ]

    @dataclass
    class CustomerSelected(Message):
        """Enter on a row: open this customer."""

        customer_id: int

    @dataclass
    class PageWanted(Message):
        """The window needs page `index`, which starts after `after`."""

        index: int
        after: Cursor | None

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.is_marked: Callable[[int], bool] = lambda _id: False
        self._pages: list[_Page] = []
        self._starts: list[Cursor | None] = [None]
        self._pending: int | None = None
        self._rows: list[CustomerRow] = []
        self._layout: list[tuple[ColumnSpec, int]] = []
        self._settling = False

    # --- reading -----------------------------------------------------------------

    @property
    def loaded_rows(self) -> Sequence[CustomerRow]:
        """The rows in the window, top to bottom."""
        return self._rows

    @property
    def first_page(self) -> int:
        return self._pages[0].index if self._pages else 0

    @property
    def current(self) -> CustomerRow | None:
        if not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row]

    @property
    def current_id(self) -> int | None:
        row = self.current
        return None if row is None else row.id

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
        self._starts = self._starts[: origin + 1] if origin else [None]
        self._pages = [_Page(origin, tuple(rows), after, has_more)]
        self._pending = None
        ids = [row.id for row in rows]
        if keep_id in ids:
            self._rebuild(cursor_row=ids.index(keep_id), view_offset=view_offset)
        else:
            self._rebuild(cursor_row=0, view_offset=0)

    def window_origin(self) -> tuple[int, Cursor | None, int]:
        """(first page index, the cursor it starts after, rows in the window)."""
        if not self._pages:
            return 0, None, 0
        first = self._pages[0].index
        return first, self._starts[first], len(self._rows)

    def add_page(
        self, index: int, rows: Sequence[CustomerRow], after: Cursor | None, has_more: bool
    ) -> None:
        """Put a fetched neighbouring page into the window (ignored when not adjacent)."""
        if index != self._pending:
            return
        self._pending = None
        if not self._pages:
            return
        page = _Page(index, tuple(rows), after, has_more)
        last, first = self._pages[-1], self._pages[0]
        top, bottom = self._view_span()
        if index == last.index + 1:
            if len(self._starts) == index:
                self._starts.append(last.next)
            self._pages.append(page)
            for row in page.rows:
                self._add(row)
            # Drop pages wholly above the view (with room to spare, so the
            # window does not immediately ask for them back).
            dropped = 0
            while (
                len(self._pages) > self.MAX_PAGES
                and dropped + len(self._pages[0].rows) <= top - 2 * self.MARGIN
            ):
                dropped += len(self._pages.pop(0).rows)
            if dropped:
                self._shift(-dropped)
        elif index == first.index - 1:
            self._pages.insert(0, page)
            added = len(page.rows)
            end = sum(len(p.rows) for p in self._pages)
            while (
                len(self._pages) > self.MAX_PAGES
                and end - len(self._pages[-1].rows) >= bottom + added + 2 * self.MARGIN
            ):
                end -= len(self._pages.pop().rows)
            self._shift(added)

    def forget_pending(self) -> None:
        """The asked-for page will not come (its fetch failed): allow asking again."""
        self._pending = None

    def refresh_marks(self, customer_id: int | None = None) -> None:
        """Redraw the mark column (of one row, or of every row in the window)."""
        if not self.columns:
            return
        ids = [r.id for r in self._rows] if customer_id is None else [customer_id]
        for row_id in ids:
            key = str(row_id)
            if key in self.rows:
                self.update_cell(key, "mark", self._mark_cell(row_id))

    # --- window upkeep ---------------------------------------------------------------

    def _shift(self, delta: int) -> None:
        """Rebuild after the window moved by `delta` rows, keeping the view steady."""
        view_offset = self.cursor_row - round(self.scroll_y)
        self._rebuild(cursor_row=self.cursor_row + delta, view_offset=view_offset)

    def _rebuild(self, *, cursor_row: int, view_offset: int) -> None:
        self._settling = True
        self.clear()
        self._rows = []
        for page in self._pages:
            for row in page.rows:
                self._add(row)
        target = max(0, min(cursor_row, len(self._rows) - 1))
        self.move_cursor(row=target, scroll=False)
        self.call_after_refresh(self._settle, target, view_offset)

    def _settle(self, target: int, view_offset: int) -> None:
        self.scroll_to(y=max(0, target - max(0, view_offset)), animate=False, immediate=True)
        self._settling = False
        self._check_window()

    def _view_span(self) -> tuple[int, int]:
        """First and last row index that the cursor or the view touches."""
        top = min(self.cursor_row, round(self.scroll_y))
        bottom = max(self.cursor_row, round(self.scroll_y) + self.size.height)
        return top, bottom

    def _check_window(self) -> None:
        """Ask for the next or previous page when the cursor or view nears an end."""
        if self._settling or self._pending is not None or not self._pages:
            return
        top, bottom = self._view_span()
        last, first = self._pages[-1], self._pages[0]
        if last.has_more and bottom >= len(self._rows) - self.MARGIN:
            self._pending = last.index + 1
            self.post_message(self.PageWanted(last.index + 1, last.next))
        elif first.index > 0 and top < self.MARGIN:
            self._pending = first.index - 1
            self.post_message(self.PageWanted(first.index - 1, self._starts[first.index - 1]))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_window()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._check_window()

    # --- columns and cells --------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        layout = columns_for(event.size.width, self.cell_padding)
        if layout == self._layout:
            return
        self._layout = layout
        cursor, offset = self.cursor_row, self.cursor_row - round(self.scroll_y)
        self.clear(columns=True)
        for spec, width in layout:
            label = Text(spec.label, justify=spec.justify)  # type: ignore[arg-type]
            self.add_column(label, key=spec.key, width=width)
        if self._pages:
            self._rebuild(cursor_row=cursor, view_offset=offset)

    def _add(self, row: CustomerRow) -> None:
        self._rows.append(row)
        if self.columns:
            self.add_row(*self._cells(row), key=str(row.id))

    def _mark_cell(self, customer_id: int) -> Text:
        return Text(MARK, style="bold") if self.is_marked(customer_id) else Text(" ")

    def _cells(self, row: CustomerRow) -> list[Text]:
        values = {
            "mark": self._mark_cell(row.id),
            "number": Text(row.number),
            "name": (
                Text.assemble(("≈ ", "italic"), literal(row.display_name))
                if row.near_miss
                else Text(literal(row.display_name))
            ),
            "status": Text(row.status, style=STATUS_STYLES.get(row.status, "")),
            "email": Text(literal(row.email or (row.phone if "phone" not in self.columns else ""))),
            "phone": Text(literal(row.phone)),
            "subs": Text(str(row.active_subscriptions), justify="right"),
            "joined": Text(row.created_at.astimezone().date().isoformat()),
            "ltv": Text(money(row.lifetime_value), justify="right"),
        }
        return [values[spec.key] for spec, _width in self._layout]

    def action_open(self) -> None:
        customer_id = self.current_id
        if customer_id is not None:
            self.post_message(self.CustomerSelected(customer_id))
