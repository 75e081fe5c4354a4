"""One dashboard panel: a title with the headline number, and a chart or its table.

The panel paints at once with "loading…" and fills in when the screen hands
it the figure (`show`). `toggle()` switches between the chart and the table
of the same numbers; work lists (follow-ups, contracts) are tables only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Static
from textual_plotext import PlotextPlot

from crm_tui.ui.widgets.dashboard.figures import VIEWS, FigureView


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

    @property
    def has_chart(self) -> bool:
        return self.view.draw is not None

    def compose(self) -> ComposeResult:
        yield Static(Text(""), classes="panel-headline")
        with ContentSwitcher(initial="panel-loading"):
            yield Static(Text("loading…"), id="panel-loading", classes="panel-state")
            if self.has_chart:
                yield PlotextPlot(id="panel-chart")
            yield DataTable(id="panel-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.border_title = self.view.title
        self._subtitle()

    def _subtitle(self) -> None:
        if self.has_chart:
            self.border_subtitle = "t chart" if self.showing_table else "t table"

    # --- filling in -----------------------------------------------------------------

    def show(self, data: Any) -> None:
        """Paint the figure (called on the UI thread with the service's result)."""
        self.data = data
        self.query_one(".panel-headline", Static).update(Text(self.view.headline(data)))
        self._fill_table(data)
        if self.has_chart:
            self._draw(data)
        self._switch()

    def failed(self, message: str) -> None:
        loading = self.query_one("#panel-loading", Static)
        loading.update(Text(f"Could not load: {message}"))
        self.query_one(ContentSwitcher).current = "panel-loading"

    def _fill_table(self, data: Any) -> None:
        columns, rows, keys = self.view.table(data)
        table = self.query_one("#panel-table", DataTable)
        table.clear(columns=True)
        for column in columns:
            table.add_column(column)
        for index, row in enumerate(rows):
            table.add_row(*row, key=str(index))
        self.row_keys = list(keys)

    def _draw(self, data: Any) -> None:
        assert self.view.draw is not None
        chart = self.query_one("#panel-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        self.view.draw(plt, data)
        chart.refresh()

    def _switch(self) -> None:
        if self.data is None:
            return
        target = "panel-table" if self.showing_table or not self.has_chart else "panel-chart"
        self.query_one(ContentSwitcher).current = target
        self._subtitle()

    def toggle(self) -> None:
        """Chart <-> table (work lists stay tables)."""
        if not self.has_chart:
            return
        self.showing_table = not self.showing_table
        self._switch()

    def set_table(self, table: bool) -> None:
        if self.has_chart and self.showing_table != table:
            self.toggle()

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
