"""CrmApp: the screens, global keys and the one handler for worker failures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from crm_tui.services.errors import CrmError
from crm_tui.services.registry import Services
from crm_tui.ui.base import CrmAppBase
from crm_tui.ui.flows.groups import group_commands, open_dashboard
from crm_tui.ui.flows.tools import ToolsCommands
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.styles import stylesheet


class CrmApp(CrmAppBase):
    """The crm-tui application."""

    TITLE = "crm-tui"
    CSS_PATH: ClassVar = [str(stylesheet("app.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    COMMANDS = App.COMMANDS | {ToolsCommands}

    def __init__(
        self, services: Services, *, open_customer_id: int | None = None, start_screen: str = "list"
    ) -> None:
        super().__init__(services)
        self.open_customer_id = open_customer_id
        self.start_screen = start_screen

    def on_mount(self) -> None:
        self.push_screen(CustomerListScreen())  # always underneath: escape lands on the list
        if self.open_customer_id is not None:
            self.open_customer(self.open_customer_id)
        elif self.start_screen == "dashboard":
            open_dashboard(self)

    def open_customer(self, customer_id: int) -> None:
        self.push_screen(CustomerDetailScreen(customer_id))

    def new_customer(self) -> None:
        if self.refuse_if_read_only():
            return
        self.push_screen(CustomerWizardScreen(None), callback=self._open_saved)

    def edit_customer(self, customer_id: int) -> None:
        if self.refuse_if_read_only():
            return
        self.push_screen(CustomerWizardScreen(customer_id))

    def quick_add(self) -> None:
        if self.refuse_if_read_only():
            return
        self.push_screen(QuickAddModal(), callback=self._open_saved)

    def _open_saved(self, customer_id: int | None) -> None:
        if customer_id is not None:
            self.open_customer(customer_id)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: customer actions and the group screens beside Textual's own."""
        yield from super().get_system_commands(screen)
        if not self.read_only:
            yield SystemCommand(
                "Quick add customer", "Name, phone, e-mail: a walk-in in seconds", self.quick_add
            )
            yield SystemCommand("New customer", "The full new-customer wizard", self.new_customer)
        yield from group_commands(self)

    def action_help(self) -> None:
        self.action_show_help_panel()

    @on(Worker.StateChanged)
    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here: a clear notice, never a crash."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        message = str(error) if isinstance(error, CrmError) else f"Something went wrong: {error}"
        self.notify(message, severity="error", markup=False, timeout=8)
