"""A DataTable whose columns fit the width it has: nothing runs off the right edge.

Textual's DataTable sizes each column to its widest cell, so at 80 columns a
tab with eight columns ran past the edge: the last one showed as a stub
("Ne", "2026-1") behind a horizontal scrollbar. Here each column says what
may give way when the width runs short:

- a `flex` column (a name, a title, a description) is narrowed, down to
  `min_width` (and never below its heading), and its cells end in "…";
- any other column (a date, an amount, a status, a number) keeps its full
  width, never cut;
- a column with a `drop` rank is left out while the table is too narrow for
  it, the highest rank first (the help and the detail line still say it).

The table refits when its width changes. Rows are handed over whole with
`set_rows`, so a refit can lay them out again; the cursor stays on its row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist, RowKey


@dataclass(frozen=True)
class Column:
    """One column: its heading, whether it may narrow, and when it may be left out."""

    label: str
    flex: bool = False
    min_width: int = 8
    drop: int = 0  # 0: always shown; otherwise left out when narrow, highest first
    right: bool = False  # the heading sits right, over right-aligned figures


Row = tuple[str, Sequence[Text]]  # (row key, one cell per Column)


def fit_widths(
    naturals: Sequence[int], columns: Sequence[Column], room: int, pad: int
) -> dict[int, int]:
    """Which columns to show and how wide, so that they take at most `room` cells.

    `naturals` are the widest cell (or heading) of each column; `pad` the
    padding each column adds. Flex columns narrow first, then droppable
    columns go, highest rank first. When even that is too wide the table
    scrolls sideways (never happens at 80 columns with the app's tables).
    """
    shown = list(range(len(columns)))
    while True:
        widths = {i: naturals[i] for i in shown}
        excess = sum(widths.values()) + pad * len(shown) - room
        if excess <= 0:
            return widths
        flex = sorted((i for i in shown if columns[i].flex), key=lambda i: -widths[i])
        # A heading is never cut: a flex column narrows to its label at the least.
        floor = {i: max(columns[i].min_width, len(columns[i].label)) for i in flex}
        give = {i: max(0, widths[i] - min(widths[i], floor[i])) for i in flex}
        if sum(give.values()) >= excess:
            return _narrowed(widths, give, excess)
        droppable = [i for i in shown if columns[i].drop]
        if not droppable:
            return {i: widths[i] - give.get(i, 0) for i in shown}
        shown.remove(max(droppable, key=lambda i: (columns[i].drop, i)))


def _narrowed(widths: dict[int, int], give: dict[int, int], excess: int) -> dict[int, int]:
    """Take `excess` cells from the flex columns, always from the widest one left."""
    out = dict(widths)
    for _ in range(excess):
        widest = max((i for i in give if out[i] > widths[i] - give[i]), key=lambda i: out[i])
        out[widest] -= 1
    return out


class FittedTable(DataTable[Text]):
    """A row-cursor DataTable laid out by `fit_widths` for its current width."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
        self.fitted_columns = list(columns)
        self._rows: list[Row] = []
        self._fitted_for = -1
        self.shown_columns: list[int] = []

    def on_mount(self) -> None:
        self._fit()

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show these rows (replacing the ones before), fitted to the width."""
        self._rows = list(rows)
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_for:
            self._fit()

    def _room(self) -> int:
        scrollbar = self.styles.scrollbar_size_vertical if self._needs_scrollbar() else 0
        return max(0, self.size.width - scrollbar)

    def _needs_scrollbar(self) -> bool:
        height = self.size.height or self.app.size.height
        return len(self._rows) + 1 > height

    def _fit(self) -> None:
        if not self.is_mounted:
            return
        self._fitted_for = self.size.width
        if not self.size.width:
            # Not laid out yet (just mounted, or in a tab hidden since): the resize
            # to its width fits it. Fitting here too filled a tab's table twice on
            # its first visit, once for no width and once for its own (#20).
            return
        columns = self.fitted_columns
        naturals = [len(c.label) for c in columns]
        for _key, cells in self._rows:
            for i, value in enumerate(cells):
                naturals[i] = max(naturals[i], value.cell_len)
        room = self._room()
        widths = fit_widths(naturals, columns, room, 2 * self.cell_padding)
        keep = self._cursor_key()
        self.clear(columns=True)
        self.shown_columns = sorted(widths)
        for i in self.shown_columns:
            label = Text(columns[i].label, justify="right" if columns[i].right else "left")
            self.add_column(label, width=widths[i], key=str(i))
        for key, cells in self._rows:
            self.add_row(*(cells[i] for i in self.shown_columns), key=key)
        if keep is not None:
            with contextlib.suppress(RowDoesNotExist):  # the row went away with the new rows
                self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """The scrollable size, without measuring a cell.

        DataTable measures every cell of every new row to size its columns;
        here each column has the fixed width `fit_widths` gave it and each row
        one line, so the measures were thrown away. They were most of the time
        to fill a tab of 500 payments (Textual 8.2's `_update_dimensions`, the
        hook DataTable runs when idle after rows were added).
        """
        header = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width, self._total_row_height + header)

    def _cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if value is None else str(value)
