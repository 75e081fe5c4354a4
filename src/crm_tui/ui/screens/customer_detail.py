"""The customer detail screen: a header that says who this is, and six tabs.

Each tab body (ui/widgets/detail/) loads its own data in a thread worker
the first time it is shown, and again when something it shows may have
changed; the screen paints at once and fills in. The screen routes the keys
(`n`, `e`, `p`, `x`, `f`, `m`, `r`, `c`, `o`, `b`) to the active tab, owns the status
actions (also in the command palette) and refuses writes in read-only mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.widgets import TabbedContent, TabPane

from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.live import Changed
from crm_tui.services.roles import Capability
from crm_tui.services.search.values import CustomerRow
from crm_tui.text import literal
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.flows.groups import edit_customer_segments
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.customer_invoices import CustomerInvoicesScreen
from crm_tui.ui.screens.customer_status import STATUS_ACTIONS, status_actions_for
from crm_tui.ui.screens.customer_tabs import TABS, VERBS
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.detail.base import DetailTab
from crm_tui.ui.widgets.detail.detail_tabs import DetailTabs
from crm_tui.ui.widgets.detail.header import DetailHeader, glimpse_for
from crm_tui.ui.widgets.detail.overview import OverviewTab


class CustomerCommands(Provider):
    """Command palette entries for the open customer: status actions, edit, tabs."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        if not isinstance(screen, CustomerDetailScreen):
            return []
        out: list[tuple[str, str, Callable[[], object]]] = []
        status = screen.customer.status if screen.customer else ""
        writable = not screen.locked
        for action in status_actions_for(status) if writable else []:
            label = STATUS_ACTIONS[action][0].rstrip("…")
            out.append(
                (f"{label} customer", "Change this customer's status (asks first)",
                 partial(screen.start_status_action, action))
            )  # fmt: skip
        if writable:
            out.append(("Edit customer", "Open the customer in the editor", screen.edit_customer))
        if screen.crm.refusal(Capability.SETTINGS) is None:
            out.append(("Hand-picked segments…", "Tick the segments this customer belongs to (g)",
                        screen.action_segments))  # fmt: skip
        for index, (name, (title, _)) in enumerate(TABS.items(), start=1):
            out.append((f"Show {title}", f"Switch to the {title} tab ({index})",
                        partial(screen.action_show_tab, name)))  # fmt: skip
        out.append(("Show invoices", "This customer's invoices: issue, void, credit, PDF (i)",
                    screen.action_invoices))  # fmt: skip
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class CustomerDetailScreen(CrmScreen[None]):
    """One customer: header, then Overview, Contacts, Subscriptions, Payments, Notes, History."""

    CSS_PATH: ClassVar = [str(stylesheet("customer_detail.tcss"))]
    COMMANDS: ClassVar = {CustomerCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *(
            Binding(str(i), f"show_tab('{name}')", title, show=False)
            for i, (name, (title, _)) in enumerate(TABS.items(), start=1)
        ),
        Binding("n", "item('add')", "New"),
        Binding("e", "item('edit')", "Edit"),
        Binding("p", "item('pin')", "Pin"),
        Binding("p", "item('primary')", "Primary"),
        Binding("p", "item('default')", "Default card"),
        Binding("x", "item('remove')", "Remove"),
        Binding("x", "item('end')", "End"),
        Binding("f", "item('filter')", "Filter"),
        Binding("m", "item('mark_paid')", "Mark paid"),
        Binding("r", "item('refund')", "Refund"),
        Binding("c", "item('card')", "Add card"),
        Binding("o", "item('order')", "Order"),
        Binding("b", "item('bill')", "Invoice order"),
        Binding("s", "status", "Status"),
        Binding("ctrl+r", "reload", "Refresh"),
        Binding("g", "segments", "Segments", show=False),
        Binding("i", "invoices", "Invoices", show=False),
    ]

    @dataclass
    class StatusChanged(Message):
        """The customer after a status action."""

        customer: CustomerRead

    def __init__(self, customer_id: int, glimpse: CustomerRow | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.glimpse = glimpse_for(customer_id, glimpse)
        self.customer: CustomerRead | None = None
        self.changed_meanwhile = False  # by someone, while a dialog or screen was on top

    def compose(self) -> ComposeResult:
        yield DetailHeader(self.glimpse, id="detail-header")
        with DetailTabs(id="detail-tabs", initial="tab-overview"):
            for index, (name, (title, tab_class)) in enumerate(TABS.items(), start=1):
                with TabPane(f"{index} {title}", id=f"tab-{name}"):
                    # Only the Overview is built up front; the others are mounted
                    # when first shown, which keeps opening a customer cheap.
                    if name == "overview":
                        yield tab_class(self.customer_id, id=name)
        yield CrmFooter()

    def on_mount(self) -> None:
        self.query_one(OverviewTab).load()

    def reopen(self, customer_id: int, glimpse: CustomerRow | None = None) -> None:
        """Show another customer in this screen, kept by the app between customers: a new
        screen costs Textual several frames to compose, mount and lay out (#20)."""
        self.customer_id = customer_id
        self.glimpse = glimpse_for(customer_id, glimpse)
        self.customer = None
        self.changed_meanwhile = False
        self.query_one(DetailHeader).reset(self.glimpse)
        for tab in self.tabs:
            tab.reset(customer_id)
        self.query_one("#detail-tabs", TabbedContent).active = "tab-overview"
        self.query_one(OverviewTab).load()

    # --- tabs -------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one("#detail-tabs", TabbedContent).active.removeprefix("tab-")

    def tab(self, name: str) -> DetailTab[Any] | None:
        """The tab body, or None while it has not been shown yet."""
        found = self.query(f"#{name}").results(DetailTab)
        return next(iter(found), None)

    @property
    def tabs(self) -> list[DetailTab[Any]]:
        """The tab bodies mounted so far."""
        return list(self.query(DetailTab))

    def action_show_tab(self, name: str) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = f"tab-{name}"

    @on(TabbedContent.TabActivated, "#detail-tabs")
    async def _tab_shown(self) -> None:
        name = self.active_tab
        tab = self.tab(name)
        if tab is None:
            tab = TABS[name][1](self.customer_id, id=name)
            await self.query_one(f"#tab-{name}", TabPane).mount(tab)
        if not tab.loaded:
            tab.load()
        if self.active_tab == name:
            tab.focus_main()
        self.refresh_bindings()

    @on(DetailTab.Changed)
    def _data_changed(self, event: DetailTab.Changed) -> None:
        """A tab saved something: every other tab reloads when next shown."""
        for other in self.tabs:
            if other is not event.tab:
                other.loaded = False

    @on(OverviewTab.CustomerLoaded)
    def _customer_loaded(self, event: OverviewTab.CustomerLoaded) -> None:
        if event.customer.id != self.customer_id:
            return
        self.customer = event.customer
        self.query_one(DetailHeader).show(event.customer)
        self.refresh_bindings()  # its owner decides whether this login may change it

    def on_screen_resume(self) -> None:
        overview = self.query_one(OverviewTab)
        # Back from the customer editor, or someone changed the customer meanwhile.
        if overview.awaiting_wizard or self.changed_meanwhile:
            overview.awaiting_wizard = self.changed_meanwhile = False
            self.action_reload()

    def customers_changed(self, changed: Changed) -> None:
        """Someone committed a change to this customer: show it now (without a key), or
        when this screen is back on top."""
        if not changed.touches(self.customer_id):
            return
        if self.app.screen is self:
            self.action_reload()
        else:
            self.changed_meanwhile = True

    def action_reload(self) -> None:
        """Show what is stored now, other clerks' saves included (`ctrl+r`)."""
        for tab in self.tabs:
            tab.loaded = False
        overview = self.query_one(OverviewTab)
        overview.load()  # the header follows the Overview's reload
        current = self.tab(self.active_tab)
        if current is not None and current is not overview:
            current.load()

    # --- keys -------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        """True when this login may not change this customer: --read-only, a viewer,
        or a clerk limited to their own customers (the owner is known once loaded)."""
        customer = self.customer
        owner_ok = customer is None or self.crm.permissions.may_change(customer.owner)
        return self.crm.read_only or not owner_ok

    def refuse_change(self) -> bool:
        """True, after saying why, when `locked`."""
        if self.crm.refuse_if_read_only():
            return True
        customer = self.customer
        if customer is None or self.crm.permissions.may_change(customer.owner):
            return False
        why = self.crm.permissions.owner_refusal(customer.number, customer.owner)
        self.notify(why, severity="warning", markup=False)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "item" and parameters:
            verb = str(parameters[0])
            if verb not in VERBS or self.active_tab not in VERBS[verb][0]:
                return False
            return not (VERBS[verb][2] and self.locked)
        if action == "status":
            return not self.locked
        if action == "segments":  # hand-picked segments are settings
            return self.crm.write_allowed(action, {action}, Capability.SETTINGS)
        return True

    def action_item(self, verb: str) -> None:
        tabs, method, writes = VERBS[verb]
        if self.active_tab not in tabs or (writes and self.refuse_change()):
            return
        tab = self.tab(self.active_tab)
        if tab is not None:  # None only for the instant a tab is being mounted
            getattr(tab, method)()

    def action_back(self) -> None:
        self.dismiss()

    def edit_customer(self) -> None:
        self.action_show_tab("overview")
        if not self.refuse_change():
            self.query_one(OverviewTab).edit_item()

    def action_invoices(self) -> None:
        """The customer's invoices, on their own screen."""
        self.app.push_screen(CustomerInvoicesScreen(self.customer_id))

    def action_segments(self) -> None:
        """Tick the hand-picked segments this customer is in."""
        edit_customer_segments(self.crm, self.customer_id)

    # --- status actions -----------------------------------------------------------

    def action_status(self) -> None:
        if self.refuse_change():
            return
        if self.customer is None:
            self.notify("The customer is still loading.", markup=False)
            return
        actions = status_actions_for(self.customer.status)
        if not actions:
            self.notify("A merged customer's status cannot change.", markup=False)
            return
        choices = [(a, STATUS_ACTIONS[a][0]) for a in actions]

        def chosen(action: str | None) -> None:
            if action:
                self.start_status_action(action)

        self.app.push_screen(ChoiceModal("Change status", choices), callback=chosen)

    def start_status_action(self, action: str) -> None:
        """Ask (block: for a reason), then apply the status action in a worker."""
        if self.refuse_change() or self.customer is None:
            return
        name = literal(self.customer.display_name)
        question = STATUS_ACTIONS[action][1].format(name=name)
        if action == "block":

            def reason_given(reason: str | None) -> None:
                if reason:
                    self._apply_status(action, reason)

            self.app.push_screen(
                PromptModal(
                    question,
                    message=Text(f"Why is {name} blocked? Everyone who opens them will see it."),
                    placeholder="e.g. repeated chargebacks",
                    confirm="Block",
                    required="Give a reason.",
                ),
                callback=reason_given,
            )
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._apply_status(action, None)

        self.app.push_screen(
            ConfirmationModal(
                Text(question),
                title=STATUS_ACTIONS[action][0],
                confirm=STATUS_ACTIONS[action][0],
                danger=action in ("deactivate", "block"),
            ),
            callback=confirmed,
        )

    @work(
        thread=True,
        group="detail-status",
        exit_on_error=False,
        description="Change the customer's status",
    )
    def _apply_status(self, action: str, reason: str | None) -> None:
        customers = self.crm.services.customers
        if action == "block":
            result = customers.block(self.customer_id, reason or "")
        else:
            result = getattr(customers, action)(self.customer_id)
        self.post_message(self.StatusChanged(result))

    @on(StatusChanged)
    def _status_applied(self, event: StatusChanged) -> None:
        customer = event.customer
        if customer.id != self.customer_id:
            return  # a change begun for the customer this screen showed before
        self.customer = customer
        self.query_one(DetailHeader).show(customer)
        self.notify(f"Status is now {customer.status}.", markup=False)
        history = self.tab("history")
        if history is not None:
            history.loaded = False
            if self.active_tab == "history":
                history.load()
