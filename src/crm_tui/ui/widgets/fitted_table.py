"""A row-cursor table whose columns fit the width it has: nothing runs off the right edge.

Textual's DataTable sized each column to its widest cell, so at 80 columns a
tab with eight columns ran past the edge; here `fit_widths` (fitted_columns.py)
narrows the flex columns with "…" and leaves out droppable ones instead.

It is a Line API widget (a `ScrollView` that paints only the lines on
screen), like the customer list, not a DataTable: filling a DataTable with
500 payments rendered every cell through Rich (`add_row`, then a render per
cell and per focus change) and took 370-540 ms at p50 for a tab's first
visit (#20). Here a row becomes one line of segments the first time it is
painted, cached until the rows or the layout change; moving the cursor or
the focus only restyles the visible lines.

Rows are handed over whole with `set_rows`, so a refit can lay them out
again; the cursor stays on its row (by key) across new rows and resizes.
A cell of one style is best handed over as a `PlainCell` (`plain_cell()`):
its width is measured from the string, and it becomes segments only if its
row is painted, without a rich `Text` made for every cell of every row.
Line 0 is the heading; row `i` is line `i + 1` of the scrollable height.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from crm_tui.ui.widgets.fitted_columns import (
    Column,
    PlainCell,
    Row,
    as_text,
    fit_widths,
    natural_widths,
    plain_cell,
)
from crm_tui.ui.widgets.list.table_cells import ColumnSpec, line_segments
from crm_tui.ui.widgets.row_cursor import RowCursorView

__all__ = ["Column", "FittedTable", "PlainCell", "Row", "fit_widths", "plain_cell"]

# DataTable's look (Textual 8.2), in theme variables: a heading row, zebra
# stripes on rows 0, 2, 4..., a block cursor that dims when the table loses focus.
FITTED_TABLE_CSS = """
FittedTable {
    background: $surface;
    color: $foreground;
    height: auto;
    max-height: 100%;
    &:focus {
        background-tint: $foreground 5%;
        & > .fitted-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .fitted-table--header {
            background-tint: $foreground 5%;
        }
    }
    & > .fitted-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    &:ansi > .fitted-table--header {
        background: ansi_bright_blue;
        color: ansi_default;
    }
    & > .fitted-table--even-row {
        background: $surface-lighten-1 50%;
    }
    &:dark > .fitted-table--even-row {
        background: $surface-darken-1 40%;
    }
    & > .fitted-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
}
"""


@dataclass
class RowMessage(Message):
    """What FittedTable's row messages carry: the table, the cursor's row and its key."""

    table: FittedTable
    cursor_row: int
    row_key: str

    @property
    def control(self) -> FittedTable:
        return self.table


class FittedTable(RowCursorView, can_focus=True):
    """Rows of cells under a heading, laid out by `fit_widths` for the current width."""

    CELL_PADDING: ClassVar[int] = 1

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First row", show=False),
        Binding("end,ctrl+end", "last_row", "Last row", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fitted-table--header",
        "fitted-table--even-row",
        "fitted-table--cursor",
    }
    DEFAULT_CSS = FITTED_TABLE_CSS

    class RowHighlighted(RowMessage):
        """The cursor came to rest on a row (moved, or new rows arrived)."""

    class RowSelected(RowMessage):
        """Enter on a row, or a click on the highlighted row."""

    def __init__(
        self, columns: Sequence[Column], *, zebra_stripes: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.fitted_columns = list(columns)
        self.zebra_stripes = zebra_stripes
        self.cursor_row = 0
        self.shown_columns: list[int] = []
        self._rows: list[Row] = []
        self._keys: dict[str, int] = {}
        self._naturals: list[int] | None = None  # the widest cell of each column, once per rows
        self._fitted_for = -1
        self._layout: list[tuple[ColumnSpec, int]] = []
        self._lines: dict[int, list[Segment]] = {}  # row index -> its cells as one line
        self._heading: list[Segment] = []
        self._styles: dict[tuple[str, bool], Style] = {}

    # --- reading -------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def column_widths(self) -> list[int]:
        """The width of each shown column (without its padding), left to right."""
        return [width for _spec, width in self._layout]

    @property
    def cursor_key(self) -> str | None:
        """The key of the highlighted row, or None when there are no rows."""
        if not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    def get_row_at(self, index: int) -> list[Text]:
        """The cells of row `index` in the shown columns, left to right, as rich Text."""
        return [as_text(value) for value in self._shown_cells(index)]

    def _shown_cells(self, index: int) -> list[Text | PlainCell]:
        cells = self._rows[index][1]
        return [cells[i] for i in self.shown_columns]

    def get_row_index(self, key: str) -> int:
        """The index of the row with this key (KeyError when there is none)."""
        return self._keys[key]

    # --- filling -------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show these rows (replacing the ones before), fitted to the width; the cursor
        stays on its row when the new rows have it, else goes to the first."""
        keep = self.cursor_key
        view_offset = self.cursor_row - round(self.scroll_y)
        self._rows = list(rows)
        self._naturals = None
        self._keys = {key: index for index, (key, _cells) in enumerate(self._rows)}
        self._fit()
        if keep in self._keys:
            self._place_cursor(self._keys[keep], view_offset)
        else:
            self._place_cursor(0, 0)
        if self._rows:
            self._post_highlighted()

    def on_mount(self) -> None:
        self._fit()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Refit as soon as the layout gives a new width, before the next paint: a
        Resize handler would run after a frame painted with the old layout."""
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if size.width != self._fitted_for:
            self._fit()
            self._keep_cursor_in_view()
        return resized

    def _room(self) -> int:
        height = self.size.height or self.app.size.height
        needs_scrollbar = len(self._rows) + 1 > height
        scrollbar = self.styles.scrollbar_size_vertical if needs_scrollbar else 0
        return max(0, self.size.width - scrollbar)

    def _fit(self) -> None:
        """Lay the columns out for the current width and drop the cached lines."""
        self._lines.clear()
        self._heading = []
        self._fitted_for = self.size.width if self.is_mounted else -1
        columns = self.fitted_columns
        self.shown_columns, self._layout = list(range(len(columns))), []
        if self._fitted_for > 0:
            if self._naturals is None or len(self._naturals) != len(columns):
                self._naturals = natural_widths(columns, self._rows)
            naturals = self._naturals
            widths = fit_widths(naturals, columns, self._room(), 2 * self.CELL_PADDING)
            self.shown_columns = sorted(widths)
            self._layout = [
                (ColumnSpec(str(i), columns[i].label, widths[i]), widths[i])
                for i in self.shown_columns
            ]
        # Not laid out yet (just mounted, or in a tab hidden since): the resize to
        # its width fits it; meanwhile every column counts as shown and the
        # height counts the rows.
        width = sum(width + 2 * self.CELL_PADDING for _spec, width in self._layout)
        self.virtual_size = Size(width, len(self._rows) + 1)
        self.refresh()

    # --- the cursor ----------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on row `row` (clamped) and scroll it into view."""
        del animate  # the view jumps: DataTable's signature, without the animation
        target = max(0, min(row, len(self._rows) - 1))
        if target != self.cursor_row:
            self.refresh_line(self.cursor_row + 1)
            self.cursor_row = target
            self.refresh_line(target + 1)
            self._post_highlighted()
        self._keep_cursor_in_view()

    def _place_cursor(self, row: int, view_offset: int) -> None:
        self.cursor_row = max(0, min(row, len(self._rows) - 1))
        top = max(0, self.cursor_row - max(0, view_offset))
        self.scroll_to(y=top, animate=False, immediate=True)
        self._keep_cursor_in_view()

    def _post_highlighted(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowHighlighted(self, self.cursor_row, key))

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, self.cursor_row, key))

    _choose = action_select_cursor

    # --- painting ------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if not self._layout:  # not fitted to a width yet
            return Strip.blank(width, self._style(""))
        if y == 0:
            if not self._heading:
                columns = self.fitted_columns
                self._heading = self._line([
                    Text(columns[i].label, justify="right" if columns[i].right else "left")
                    for i in self.shown_columns
                ])  # fmt: skip
            style = self._style("fitted-table--header") + Style.from_meta({"row": -1})
            line = Segment.apply_style(self._heading, style)
            return Strip(line).crop_extend(scroll_x, scroll_x + width, style)
        index = y - 1 + scroll_y
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self._style(""))
        segments = self._lines.get(index)
        if segments is None:
            segments = self._line(self._shown_cells(index))
            self._lines[index] = segments
        striped = self.zebra_stripes and index % 2 == 0
        meta = Style.from_meta({"row": index})
        style = self._style("fitted-table--even-row" if striped else "") + meta
        post = self._style("fitted-table--cursor") + meta if index == self.cursor_row else None
        line = Segment.apply_style(segments, style, post)
        return Strip(line).crop_extend(scroll_x, scroll_x + width, post or style)

    def _line(self, cells: Sequence[Text | PlainCell]) -> list[Segment]:
        console, padding = self.app.console, self.CELL_PADDING
        return line_segments(cells, self._layout, console, padding, spaces_apart=True)
