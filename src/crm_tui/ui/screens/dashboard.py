"""The dashboard: trends and work lists, each panel filled in by its own worker.

The screen paints at once (panels say "loading…"); every panel's figure is
one call to `services.dashboard` in a thread worker of its own, so the fast
ones appear first and a slow one never holds the rest. `t` toggles the
focused panel between its chart and a table of the same numbers, `T` all of
them; `enter` on a work-list row opens the customer. At 80 columns the
panels stack in one scrolling column; wider terminals get two or three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from crm_tui.services.dashboard import PANELS, load_panel
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.dashboard.kpis import UNPRICED, DashboardKpis
from crm_tui.ui.widgets.dashboard.panel import DashboardPanel

TWO_COLUMNS = 110
THREE_COLUMNS = 165


class PanelGrid(VerticalScroll, inherit_bindings=False):
    """The scrolling grid of panels. Up and down are not its own: they reach the screen,
    which moves to the previous or next panel (a scrolling container takes them first
    and scrolled a line instead). Page keys, home and end still scroll it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]


class DashboardScreen(CrmScreen[None]):
    """Figures and charts of the whole customer base, as of a day."""

    CSS_PATH: ClassVar = [str(stylesheet("dashboard.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("t", "toggle_view", "Table/chart"),
        Binding("T", "toggle_all_views", "All tables", key_display="T"),
        Binding("r", "reload", "Reload"),
        Binding("down,j", "focus_next_panel", "Next", show=False),
        Binding("up,k", "focus_previous_panel", "Previous", show=False),
    ]

    @dataclass
    class PanelLoaded(Message):
        """One panel's figure arrived from its worker."""

        panel: str
        data: Any

    def __init__(self, *, as_of: date | None = None) -> None:
        super().__init__()
        self.as_of = as_of or date.today()
        self.all_tables = False

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Dashboard · as of {self.as_of.isoformat()}"),
            id="dashboard-title",
            classes="screen-title",
        )
        yield DashboardKpis(id="dashboard-kpis")
        # Laid out for the terminal's width from the start: a class added once the
        # panels are mounted restyled all of them (about 140 ms of every opening).
        grid = PanelGrid(id="dashboard-grid", can_focus=False)
        self._fit_columns(grid, self.app.size.width)
        with grid:
            for name in PANELS:
                yield DashboardPanel(name, id=f"panel-{name.replace('_', '-')}")
        yield CrmFooter()

    def on_mount(self) -> None:
        # Workers start after the first frame: ten threads running queries at once
        # take the interpreter from the UI thread, and the empty screen waited for them.
        self.call_after_refresh(self.load_all)
        panels = list(self.query(DashboardPanel))
        if panels:
            panels[0].focus()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns(self.query_one("#dashboard-grid"), event.size.width)

    @staticmethod
    def _fit_columns(grid: Widget, width: int) -> None:
        grid.set_class(width >= TWO_COLUMNS, "-two")
        grid.set_class(width >= THREE_COLUMNS, "-three")

    # --- loading ---------------------------------------------------------------------

    def load_all(self) -> None:
        for name in PANELS:
            self.load(name)
        self.run_worker(
            self._fetch_unpriced,
            name=UNPRICED,
            group="dashboard-unpriced",
            thread=True,
            exclusive=True,
            exit_on_error=False,
            description="Payments with no exchange rate",
        )

    def _fetch_unpriced(self) -> None:
        self.post_message(self.PanelLoaded(UNPRICED, self.services.rates.unpriced()))

    def load(self, name: str) -> None:
        self.run_worker(
            lambda: self._fetch(name),
            name=name,
            group=f"dashboard-{name}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
            description=f"Dashboard figure: {name}",
        )

    def _fetch(self, name: str) -> None:
        data = load_panel(self.services.dashboard, name, as_of=self.as_of)
        self.post_message(self.PanelLoaded(name, data))

    def panel(self, name: str) -> DashboardPanel:
        return self.query_one(f"#panel-{name.replace('_', '-')}", DashboardPanel)

    @on(PanelLoaded)
    async def fill_panel(self, event: PanelLoaded) -> None:
        if event.panel in PANELS:
            await self.panel(event.panel).show(event.data)
        self.query_one(DashboardKpis).take(event.panel, event.data)

    @on(Worker.StateChanged)
    def panel_failed(self, event: Worker.StateChanged) -> None:
        # The app's handler notifies; the panel says it too, in place.
        if event.state == WorkerState.ERROR and event.worker.name in PANELS:
            self.panel(event.worker.name).failed(str(event.worker.error))

    # --- keys --------------------------------------------------------------------------

    def focused_panel(self) -> DashboardPanel | None:
        if self.focused is None:
            return None
        for node in self.focused.ancestors_with_self:
            if isinstance(node, DashboardPanel):
                return node
        return None

    async def action_toggle_view(self) -> None:
        panel = self.focused_panel()
        if panel is not None:
            await panel.toggle()

    async def action_toggle_all_views(self) -> None:
        self.all_tables = not self.all_tables
        for panel in self.query(DashboardPanel):
            await panel.set_table(self.all_tables)

    def action_reload(self) -> None:
        self.load_all()

    def _step(self, delta: int) -> None:
        panels = list(self.query(DashboardPanel))
        current = self.focused_panel()
        index = panels.index(current) if current in panels else -1
        target = panels[(index + delta) % len(panels)]
        target.focus()
        target.scroll_visible()

    def action_focus_next_panel(self) -> None:
        self._step(1)

    def action_focus_previous_panel(self) -> None:
        self._step(-1)

    @on(DashboardPanel.CustomerChosen)
    def open_customer(self, event: DashboardPanel.CustomerChosen) -> None:
        self.crm.open_customer(event.customer_id)
