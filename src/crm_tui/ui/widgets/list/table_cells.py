"""What the customer table paints: its columns at a given width, a row's cells, a line,
and its look (the table's DEFAULT_CSS).

Pure functions of the row, its mark and the column layout, so the table can
cache a row's line and reuse it whichever search brings the row back. Every
cell is a `rich.text.Text` built with `literal()`: stored text such as
`[bold]x[/]` is shown as typed, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from crm_tui.services.phones import format_phone
from crm_tui.services.search import CustomerRow
from crm_tui.text import literal
from crm_tui.ui.clock import today
from crm_tui.ui.widgets.fitted_columns import PlainCell

# DataTable's look, in theme variables: zebra stripes, a block cursor that
# dims when the table loses focus.
TABLE_CSS = """
CustomerTable {
    background: $surface;
    color: $foreground;
    &:focus {
        background-tint: $foreground 5%;
        & > .customer-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .customer-table--header {
            background-tint: $foreground 5%;
        }
    }
    & > .customer-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    & > .customer-table--even-row {
        background: $surface-lighten-1 50%;
    }
    &:dark > .customer-table--even-row {
        background: $surface-darken-1 40%;
    }
    & > .customer-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
}
"""

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
    (96, ColumnSpec("phone", "Phone", 16)),  # "+351 932 524 590", as the detail screen
    (118, ColumnSpec("subs", "Subs", 4, "right")),
    (130, ColumnSpec("joined", "Joined", 10)),
)
LTV_COLUMN = ColumnSpec("ltv", "LTV", 10, "right")
# The figure column follows the sort: sorted by outstanding balance or days overdue it
# shows that instead.
FIGURE_COLUMNS = {
    "ltv": LTV_COLUMN,
    "owed": ColumnSpec("owed", "Owed", 10, "right"),
    "overdue": ColumnSpec("overdue", "Overdue", 10, "right"),
}
FIGURE_OF_SORT = {"outstanding": "owed", "days_overdue": "overdue"}


def columns_for(
    width: int, cell_padding: int = 1, figure: str = "ltv"
) -> list[tuple[ColumnSpec, int]]:
    """The columns that fit in `width` cells, with the flexible ones sized."""
    specs = list(FIXED_COLUMNS)
    specs += [spec for minimum, spec in OPTIONAL_COLUMNS if width >= minimum]
    specs.append(FIGURE_COLUMNS[figure])
    fixed = sum(spec.width for spec in specs) + 2 * cell_padding * len(specs)
    rest = max(20, width - fixed - 2)  # 2: the vertical scrollbar
    name_width = max(10, rest * 11 // 20)
    email_width = max(10, rest - name_width)
    sized = {"name": name_width, "email": email_width}
    return [(spec, sized.get(spec.key, spec.width)) for spec in specs]


def line_segments(
    cells: Sequence[Text | PlainCell],
    layout: list[tuple[ColumnSpec, int]],
    console: Console,
    padding: int,
    *,
    spaces_apart: bool = False,
) -> list[Segment]:
    """Cells padded and cut to their column widths, as one line of segments.

    Each cell's segments carry its column in their meta (for clicks, and
    so an SVG screenshot keeps one text element per cell, aligned). A cell
    sits right when its column or the cell itself (`justify="right"`) says so.
    With `spaces_apart` the padding and the gap to the column's width are
    segments of their own, without the cell's style, as DataTable paints them
    (an SVG screenshot then starts each cell's text where its characters start)."""
    pad = " " * padding
    segments: list[Segment] = []
    for column, (value, (spec, width)) in enumerate(zip(cells, layout, strict=True)):
        meta = Style.from_meta({"column": column})
        if isinstance(value, Text) and value.spans:  # styled parts: rich cuts and renders it
            base = meta + console.get_style(value.style)
            right = spec.justify == "right" or value.justify == "right"
            cell = value.copy()
            cell.no_wrap = True
            if cell.cell_len > width:
                cell.truncate(width, overflow="ellipsis")
            if spaces_apart:
                gap = " " * (width - cell.cell_len)
                rendered = list(Segment.apply_style(cell.render(console), base))
                _spaced(segments, pad, gap, right, rendered, meta)
                continue
            cell.align("right" if right else "left", width)
            cell.pad(padding)
            # render() leaves the Text's own style (status colours) to the caller.
            segments.extend(Segment.apply_style(cell.render(console), base))
            continue
        # One style for the whole cell: cut and pad the string itself.
        plain = value if isinstance(value, PlainCell) else _plain(value)
        base = meta + console.get_style(plain.style)
        right = spec.justify == "right" or plain.right
        text = plain.text
        size = cell_len(text)
        if size > width:
            text, size = set_cell_size(text, width - 1) + "…", width
        gap = " " * (width - size)
        if spaces_apart:
            _spaced(segments, pad, gap, right, [Segment(text, base)], meta)
            continue
        text = gap + text if right else text + gap
        segments.append(Segment(pad + text + pad, base))
    return segments


def _plain(cell: Text) -> PlainCell:
    """A Text of one style (no spans) as its plain values."""
    return PlainCell(cell.plain, cell.style, cell.justify == "right")


def _spaced(
    out: list[Segment], pad: str, gap: str, right: bool, text: list[Segment], blank: Style
) -> None:
    """Append a cell's text between its padding, the gap on the side away from its justify."""
    before, after = (pad + gap, pad) if right else (pad, gap + pad)
    if before:
        out.append(Segment(before, blank))
    out.extend(segment for segment in text if segment.text)
    if after:
        out.append(Segment(after, blank))


def row_cells(
    row: CustomerRow, layout: list[tuple[ColumnSpec, int]], *, marked: bool
) -> list[Text]:
    """The cells of one row for the shown columns, every stored text literal."""
    keys = [spec.key for spec, _width in layout]
    values = {
        "mark": Text(MARK, style="bold") if marked else Text(" "),
        "number": Text(row.number),
        "name": (
            Text.assemble(("≈ ", "italic"), literal(row.display_name))
            if row.near_miss
            else Text(literal(row.display_name))
        ),
        "status": Text(row.status, style=STATUS_STYLES.get(row.status, "")),
        "email": Text(
            literal(row.email or (format_phone(row.phone) if "phone" not in keys else ""))
        ),
        "phone": Text(literal(format_phone(row.phone))),
        "subs": Text(str(row.active_subscriptions)),
        "joined": Text(row.created_at.astimezone().date().isoformat()),
        "ltv": Text(money(row.lifetime_value)),
        "owed": Text(money(row.outstanding_balance)),
        "overdue": Text(_overdue(row)),
    }
    return [values[spec.key] for spec, _width in layout]


def _overdue(row: CustomerRow) -> str:
    """Days the oldest open invoice is overdue ("" when none is)."""
    days = row.days_overdue(today())  # pinned in snapshot runs
    return f"{days:,} d" if days else ""
