"""One dashboard panel: a title with the headline number, and a chart or its table.

The panel paints at once with "loading…" and fills in when the screen hands
it the figure (`show`). `toggle()` switches between the chart and the table
of the same numbers; work lists (follow-ups, contracts) are tables only.
The chart and the table are mounted when first shown, not with the screen:
the dashboard's first frame lays out and styles nine panels of two widgets
each instead of four, and a table nobody toggles to is never built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Static
from textual_plotext import PlotextPlot

from crm_tui.ui.widgets.dashboard.figures import VIEWS, FigureView

CHART = "panel-chart"
TABLE = "panel-table"


class DashboardPanel(Vertical, can_focus=True):
    """A titled figure; focusable so `t` can toggle the one you are on."""

    DEFAULT_CSS = """
    DashboardPanel {
        height: 12;
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    DashboardPanel:focus, DashboardPanel:focus-within {
        border: round $accent;
    }
    DashboardPanel .panel-headline { height: 1; color: $text; text-style: bold; }
    DashboardPanel ContentSwitcher { height: 1fr; }
    DashboardPanel PlotextPlot { height: 1fr; }
    DashboardPanel DataTable { height: 1fr; }
    DashboardPanel .panel-state { height: 1fr; color: $text-muted; content-align: center middle; }
    """

    @dataclass
    class CustomerChosen(Message):
        """A row of a work list was chosen (enter)."""

        customer_id: int

    def __init__(self, name: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.figure_name = name
        self.view: FigureView = VIEWS[name]
        self.data: Any = None
        self.showing_table = self.view.draw is None
        self.row_keys: list[int | None] = []
        self._filled: set[str] = set()  # views showing the current data

    @property
    def has_chart(self) -> bool:
        return self.view.draw is not None

    def compose(self) -> ComposeResult:
        yield Static(Text(""), classes="panel-headline")
        with ContentSwitcher(initial="panel-loading"):
            yield Static(Text("loading…"), id="panel-loading", classes="panel-state")

    def on_mount(self) -> None:
        self.border_title = self.view.title
        self._subtitle()

    def _subtitle(self) -> None:
        if self.has_chart:
            self.border_subtitle = "t chart" if self.showing_table else "t table"

    # --- filling in -----------------------------------------------------------------

    async def show(self, data: Any) -> None:
        """Paint the figure (called on the UI thread with the service's result)."""
        self.data = data
        self._filled.clear()
        self.query_one(".panel-headline", Static).update(Text(self.view.headline(data)))
        await self._switch()

    def failed(self, message: str) -> None:
        loading = self.query_one("#panel-loading", Static)
        loading.update(Text(f"Could not load: {message}"))
        self.query_one(ContentSwitcher).current = "panel-loading"

    async def _view(self, name: str) -> Widget:
        """The chart or the table, mounted the first time it is shown."""
        switcher = self.query_one(ContentSwitcher)
        found = switcher.query_children(f"#{name}")
        if found:
            return found.first()
        widget: Widget = (
            PlotextPlot(id=name)
            if name == CHART
            else DataTable(id=name, cursor_type="row", zebra_stripes=True)
        )
        await switcher.add_content(widget)
        return widget

    def _fill_table(self, table: DataTable[Any], data: Any) -> None:
        columns, rows, keys = self.view.table(data)
        table.clear(columns=True)
        for column in columns:
            table.add_column(column)
        for index, row in enumerate(rows):
            table.add_row(*row, key=str(index))
        self.row_keys = list(keys)

    def _draw(self, chart: PlotextPlot, data: Any) -> None:
        assert self.view.draw is not None
        plt = chart.plt
        plt.clear_figure()
        self.view.draw(plt, data)
        chart.refresh()

    async def _switch(self) -> None:
        if self.data is None:
            return
        target = TABLE if self.showing_table or not self.has_chart else CHART
        widget = await self._view(target)
        if target not in self._filled:
            if isinstance(widget, DataTable):
                self._fill_table(widget, self.data)
            elif isinstance(widget, PlotextPlot):
                self._draw(widget, self.data)
            self._filled.add(target)
        self.query_one(ContentSwitcher).current = target
        self._subtitle()

    async def toggle(self) -> None:
        """Chart <-> table (work lists stay tables)."""
        if not self.has_chart:
            return
        self.showing_table = not self.showing_table
        await self._switch()

    async def set_table(self, table: bool) -> None:
        if self.has_chart and self.showing_table != table:
            await self.toggle()

    @on(DataTable.RowSelected, "#panel-table")
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key is None:
            return
        index = int(key)
        if 0 <= index < len(self.row_keys) and self.row_keys[index] is not None:
            customer_id = self.row_keys[index]
            assert customer_id is not None
            self.post_message(self.CustomerChosen(customer_id))
