"""The fitted table's cursor, keys, clicks and messages, and what it paints when narrow."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult

from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row

COLUMNS = [Column("Date"), Column("Name", flex=True, min_width=6), Column("Note", drop=1)]


def make_rows(keys: Sequence[int]) -> list[Row]:
    return [
        (f"r{i}", [Text("2026-01-01"), Text(f"customer number {i}"), Text(f"note {i}")])
        for i in keys
    ]


class _Harness(App[None]):
    """One table of 100 rows, focused; the messages it posts, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[tuple[int, str]] = []
        self.selected: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield FittedTable(COLUMNS, zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        table.set_rows(make_rows(range(100)))
        table.focus()

    @on(FittedTable.RowHighlighted)
    def _highlighted(self, event: FittedTable.RowHighlighted) -> None:
        self.highlighted.append((event.cursor_row, event.row_key))

    @on(FittedTable.RowSelected)
    def _selected(self, event: FittedTable.RowSelected) -> None:
        self.selected.append((event.cursor_row, event.row_key))


def painted(table: FittedTable, line: int) -> str:
    return table.render_line(line).text


async def test_keys_move_the_cursor_and_keep_it_in_view() -> None:
    """down/up, pgdn/pgup, end/home move the cursor row and the view follows it;
    each move says which row is highlighted, enter selects it."""
    app = _Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(FittedTable)
        await pilot.pause()
        assert app.highlighted == [(0, "r0")]  # new rows highlight their first
        await pilot.press("down", "down", "up")
        assert (table.cursor_row, table.cursor_key) == (1, "r1")
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + 11  # 12 lines: the heading and 11 rows
        assert table.scroll_y == 2 and painted(table, 11).startswith(" 2026-01-01  customer")
        await pilot.press("end")
        assert table.cursor_row == 99 and table.scroll_y == table.max_scroll_y == 89
        assert "customer number 99" in painted(table, 11)
        await pilot.press("pageup", "home", "up")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.highlighted == [(0, "r0"), (1, "r1"), (2, "r2"), (1, "r1"), (12, "r12"),
                                   (99, "r99"), (88, "r88"), (0, "r0")]  # fmt: skip
        assert app.selected == [(0, "r0")]


async def test_the_cursor_stays_on_its_row_across_new_rows() -> None:
    """set_rows keeps the highlighted row (by key) wherever it moved to; when the row
    went away the cursor goes to the first row."""
    app = _Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(FittedTable)
        table.move_cursor(row=50)
        table.set_rows(make_rows(range(99, -1, -1)))  # the same rows, reversed
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (49, "r50")
        assert "customer number 50" in painted(table, 1 + 49 - round(table.scroll_y))
        table.set_rows(make_rows(range(200, 210)))
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key, table.scroll_y) == (0, "r200", 0)
        assert table.get_row_index("r205") == 5 and str(table.get_row_at(5)[1]).endswith("205")


async def test_narrow_names_end_in_an_ellipsis_and_the_note_drops() -> None:
    """At 60 columns every column shows whole; at 30 the droppable note goes, the name
    narrows with "…", the date stays whole, and the cursor keeps its row."""
    app = _Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(FittedTable)
        table.move_cursor(row=40)
        await pilot.pause()
        assert table.shown_columns == [0, 1, 2]
        assert painted(table, 0).split() == ["Date", "Name", "Note"]
        await pilot.resize_terminal(30, 12)
        await pilot.pause()
        assert table.shown_columns == [0, 1]
        assert painted(table, 0).split() == ["Date", "Name"]
        line = painted(table, 1)
        assert line.startswith(" 2026-01-01  customer") and "…" in line and "note" not in line
        assert len(line) == table.scrollable_content_region.width
        assert table.virtual_size.width <= table.size.width
        assert table.cursor_key == "r40"
        assert round(table.scroll_y) <= 40 < round(table.scroll_y) + 11


async def test_a_click_highlights_a_row_and_a_second_click_selects_it() -> None:
    app = _Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(FittedTable)
        await pilot.click(FittedTable, offset=(5, 3))  # line 3: the third row
        await pilot.pause()
        assert table.cursor_row == 2 and app.highlighted[-1] == (2, "r2")
        assert app.selected == []
        await pilot.click(FittedTable, offset=(50, 3))  # beside the cells, same row
        await pilot.pause()
        assert app.selected == [(2, "r2")]
        await pilot.click(FittedTable, offset=(5, 0))  # the heading: nothing happens
        await pilot.pause()
        assert table.cursor_row == 2 and app.selected == [(2, "r2")]


async def test_the_cursor_row_and_stripes_are_painted_apart() -> None:
    """The cursor row, a striped row and a plain row each have their own background."""
    app = _Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(FittedTable)
        table.move_cursor(row=3)
        await pilot.pause()

        def background(line: int) -> object:
            return table.render_line(line)._segments[0].style.bgcolor  # type: ignore[union-attr]

        cursor, striped, plain = background(4), background(1), background(2)
        assert len({str(cursor), str(striped), str(plain)}) == 3
