"""Tables fit their width: dates, amounts and headings whole; names narrow; extras drop."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult

from crm_tui.ui.widgets.fitted_columns import as_text, natural_widths
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, fit_widths, plain_cell
from crm_tui.ui.widgets.list.table_cells import ColumnSpec, line_segments

COLUMNS = [
    Column("Product", flex=True, min_width=10),
    Column("Start"),
    Column("Next payment"),
    Column("Asset serial", flex=True, drop=1),
]


def test_wide_enough_everything_natural() -> None:
    """With room, every column has its natural width."""
    assert fit_widths([20, 10, 12, 12], COLUMNS, 200, 2) == {0: 20, 1: 10, 2: 12, 3: 12}


def test_flex_narrows_before_anything_drops() -> None:
    """A name gives way first, down to its floor; dates never narrow."""
    widths = fit_widths([20, 10, 12, 12], COLUMNS, 60, 2)
    assert widths[1] == 10 and widths[2] == 12 and 3 in widths
    assert sum(widths.values()) + 2 * len(widths) <= 60


def test_columns_drop_when_narrowing_is_not_enough() -> None:
    """Too narrow for all: the droppable column goes, the rest keep their floors."""
    widths = fit_widths([20, 10, 12, 12], COLUMNS, 40, 2)
    assert sorted(widths) == [0, 1, 2]
    assert widths == {0: 12, 1: 10, 2: 12}


def test_a_heading_is_never_cut() -> None:
    """A flex column stops at its heading's width, even below min_width."""
    columns = [Column("Department", flex=True, min_width=4), Column("Phone")]
    assert fit_widths([30, 16], columns, 32, 2) == {0: 12, 1: 16}


class _Rows(App[None]):
    def compose(self) -> ComposeResult:
        yield FittedTable([Column("Date"), Column("What", flex=True), Column("Amount", right=True)])


async def test_a_long_table_scrolls_to_its_last_row_and_keeps_its_widths() -> None:
    """500 rows at 40x12: the scrollable height counts every row and the header, the cursor on
    it brings the last row into view, and the columns keep their fitted widths (cells are
    not measured one by one)."""
    app = _Rows()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(FittedTable)
        rows = [(str(i), [Text("2026-01-01"), Text(f"payment {i} " * 3), Text(f"{i}.00")])
                for i in range(500)]  # fmt: skip
        table.set_rows(rows)
        table.focus()
        await pilot.pause()
        assert table.virtual_size.height == 501
        assert table.virtual_size.width <= 40
        table.move_cursor(row=499, animate=False)
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y > 0
        assert table.column_widths[0] == len("2026-01-01")


def test_a_plain_cell_measures_and_paints_as_its_text() -> None:
    """A PlainCell (made into Text only if its row is painted) has the width of the
    one-style Text it stands for, and is cut, aligned, styled and padded the same."""
    columns = [Column("When"), Column("Amount"), Column("Who", flex=True)]
    texts = [Text("2026-01-01", style="bold"), Text("£12.50", justify="right"), Text("東京 Ltd")]
    plains = [plain_cell("2026-01-01", "bold"), plain_cell("£12.50", right=True),
              plain_cell("東京 Ltd")]  # fmt: skip
    assert natural_widths(columns, [("k", plains)]) == natural_widths(columns, [("k", texts)])
    assert natural_widths(columns, [("k", plains)]) == [10, 6, 8]
    layout = [(ColumnSpec(str(i), c.label, w), w) for i, (c, w) in enumerate(
        zip(columns, [6, 9, 5], strict=True))]  # fmt: skip
    console = Console(width=80)
    for apart in (False, True):
        painted = line_segments(plains, layout, console, 1, spaces_apart=apart)
        assert painted == line_segments(texts, layout, console, 1, spaces_apart=apart)
    assert "".join(s.text for s in painted) == " 2026-…     £12.50  東京… "
    shown = [as_text(c) for c in plains]
    assert [str(t) for t in shown] == ["2026-01-01", "£12.50", "東京 Ltd"]
    assert shown[1].justify == "right" and all(t.no_wrap for t in shown)
