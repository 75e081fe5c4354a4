"""CrmApp: the screens, global keys and the one handler for worker failures.

Only the list is imported before the first paint; every other screen, dialog
and flow is imported when first opened (the list paints before SQLAlchemy
and the model classes have loaded: see services.deferred).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from crm_tui.services.deferred import QuickStart
from crm_tui.services.search.values import CustomerRow
from crm_tui.ui.base import CrmAppBase, UsesCrm
from crm_tui.ui.flows.groups import group_commands, open_dashboard
from crm_tui.ui.flows.tools import ToolsCommands, open_import
from crm_tui.ui.live import CustomersChanged, LiveUpdates
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.styles import stylesheet

if TYPE_CHECKING:
    from crm_tui.services.registry import Services
    from crm_tui.ui.screens.customer_detail import CustomerDetailScreen

KEPT_DETAIL = "customer-detail"  # the installed customer screen, reused for the next one


class CrmApp(CrmAppBase):
    """The crm-tui application."""

    TITLE = "crm-tui"
    CSS_PATH: ClassVar = [str(stylesheet("app.tcss"))]
    # Global keys work from anywhere, the search box and forms included (priority):
    # function keys, which every terminal sends over SSH and no input takes as
    # text. `?` is the same help wherever it is not a character to type.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?", show=False),
        Binding("f1", "help", "Help", key_display="F1", priority=True),
        Binding("f2", "quick_add", "Quick add", key_display="F2", priority=True),
        Binding("f3", "new_customer", "New", key_display="F3", priority=True),
        Binding("f4", "dashboard", "Dashboard", key_display="F4", priority=True),
        Binding("f5", "import", "Import", key_display="F5", priority=True),
    ]
    # Actions that open a screen: not on top of a dialog (finish or close it first).
    OPENING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"quick_add", "new_customer", "dashboard", "import"}
    )

    COMMANDS = App.COMMANDS | {ToolsCommands}

    def __init__(
        self,
        services: Services | QuickStart,
        *,
        open_customer_id: int | None = None,
        start_screen: str = "list",
        freeze_after_start: bool = False,
    ) -> None:
        super().__init__(services, freeze_after_start=freeze_after_start)
        self.open_customer_id = open_customer_id
        self.live: LiveUpdates | None = None
        self.start_screen = start_screen
        self._kept_detail: CustomerDetailScreen | None = None

    def on_mount(self) -> None:
        if self.quick_start is None:
            self._start_live()
        self.push_screen(CustomerListScreen())  # always underneath: escape lands on the list
        if self.open_customer_id is not None:
            self.open_customer(self.open_customer_id)
        elif self.start_screen == "dashboard":
            open_dashboard(self)

    def load_services(self) -> None:
        """The list is on screen: on a quick start, open the services (and the change
        feed) behind it now."""
        super().load_services()
        if self.quick_start is not None and self.live is None:
            self._start_live()

    def _start_live(self) -> None:
        # On a quick start the feed opens once the services have (in its own thread),
        # from the change log's id the list was first read at: nothing is missed.
        since = self.quick_start.newest_change if self.quick_start is not None else None
        self.live = LiveUpdates(self, lambda: self.services, since=since)
        self.live.start()

    def open_customer(self, customer_id: int, glimpse: CustomerRow | None = None) -> None:
        """The customer's screen: the kept one, shown for this customer, unless it is
        open already further down (then a new one, not kept)."""
        kept = self._kept_detail
        if kept is not None and kept.is_attached and kept not in self.screen_stack:
            kept.reopen(customer_id, glimpse)
            self.push_screen(kept)
            return
        from crm_tui.ui.screens.customer_detail import CustomerDetailScreen

        screen = CustomerDetailScreen(customer_id, glimpse)
        if kept is None:
            self.install_screen(screen, KEPT_DETAIL)  # popped, it stays composed
            self._kept_detail = screen
        self.push_screen(screen)

    def new_customer(self) -> None:
        if self.refuse_if_read_only():
            return
        from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen

        self.push_screen(CustomerWizardScreen(None), callback=self._open_saved)

    def edit_customer(self, customer_id: int) -> None:
        if self.refuse_if_read_only():
            return
        from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen

        self.push_screen(CustomerWizardScreen(customer_id))

    def quick_add(self) -> None:
        if self.refuse_if_read_only():
            return
        from crm_tui.ui.modals.quick_add import QuickAddModal

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.OPENING_ACTIONS and isinstance(self.screen, ModalScreen):
            return False
        return self.write_allowed(action, {"quick_add", "new_customer", "import"})

    def action_help(self) -> None:
        """The app's own help for the screen on top (`?` or F1 again closes it)."""
        from crm_tui.ui.modals.help import HelpModal, keys_of, screen_name

        if isinstance(self.screen, HelpModal):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpModal(screen_name(self.screen), keys_of(self.screen)))

    def action_quick_add(self) -> None:
        self.quick_add()

    def action_new_customer(self) -> None:
        self.new_customer()

    def action_dashboard(self) -> None:
        open_dashboard(self)

    def action_import(self) -> None:
        open_import(self)

    def on_unmount(self) -> None:
        if self.live is not None:
            self.live.stop()

    @on(CustomersChanged)
    def _customers_changed(self, event: CustomersChanged) -> None:
        """Another clerk's (or our own) commit: every screen that shows those customers
        reads them again, the one on top at once, the others when they come back."""
        for screen in self.screen_stack:
            if isinstance(screen, UsesCrm):
                screen.customers_changed(event.changed)

    @on(Worker.StateChanged)
    def _app_worker_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_failure(event)  # the app's own workers; UsesCrm hands on the rest
