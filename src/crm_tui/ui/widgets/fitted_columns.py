"""How a fitted table's columns share the width it has: which show, and how wide.

Each column says what may give way when the width runs short:

- a `flex` column (a name, a title, a description) is narrowed, down to
  `min_width` (and never below its heading), and its cells end in "…";
- any other column (a date, an amount, a status, a number) keeps its full
  width, never cut;
- a column with a `drop` rank is left out while the table is too narrow for
  it, the highest rank first (the help and the detail line still say it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from crm_tui.text import literal


@dataclass(frozen=True)
class Column:
    """One column: its heading, whether it may narrow, and when it may be left out."""

    label: str
    flex: bool = False
    min_width: int = 8
    drop: int = 0  # 0: always shown; otherwise left out when narrow, highest first
    right: bool = False  # the heading sits right, over right-aligned figures


class PlainCell(NamedTuple):
    """A cell of one style, kept as plain values: a table makes it a `Text` (or paints
    it straight to segments) only when its row is first painted, so a tab of 500
    payments builds a few dozen cells, not 3,000. `text` is already `literal()`."""

    text: str
    style: str | Style = ""
    right: bool = False  # sits right in its column, as a figure


def plain_cell(value: object, style: str | Style = "", *, right: bool = False) -> PlainCell:
    """A one-style cell of stored text: literal, never markup (as `cell()` of detail/base)."""
    return PlainCell(literal(value), style, right)


def as_text(cell: Text | PlainCell) -> Text:
    """The cell as the rich `Text` it paints as: cut with "…" rather than wrapped."""
    if isinstance(cell, Text):
        return cell
    return Text(
        cell.text,
        style=cell.style,
        justify="right" if cell.right else None,
        no_wrap=True,
        overflow="ellipsis",
    )


def cell_width(cell: Text | PlainCell) -> int:
    """Terminal cells the cell's text takes (its length, when ASCII: literal text has no
    control characters)."""
    if isinstance(cell, Text):
        return cell.cell_len
    return len(cell.text) if cell.text.isascii() else cell_len(cell.text)


Row = tuple[str, Sequence[Text | PlainCell]]  # (row key, one cell per Column)


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


def natural_widths(columns: Sequence[Column], rows: Sequence[Row]) -> list[int]:
    """The widest cell (or heading) of each column."""
    naturals = [len(c.label) for c in columns]
    for _key, cells in rows:
        for i, value in enumerate(cells):
            size = cell_width(value)
            if size > naturals[i]:
                naturals[i] = size
    return naturals
