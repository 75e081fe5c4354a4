"""One billing group: its members with payment terms, active subscriptions, monthly
total and outstanding balance, and the group's totals. Add a business customer by
number or e-mail (`a`), remove one (`x`), open one (`enter`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from crm_tui.services.billing.groups import GroupView
from crm_tui.services.money.shown import in_currency
from crm_tui.services.roles import Capability
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.tables import amount, selected_id


class BillingGroupScreen(CrmScreen[None]):
    """The group view."""

    CSS_PATH: ClassVar = [str(stylesheet("billing_groups.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "add_member", "Add customer"),
        Binding("x,delete", "remove_member", "Remove", key_display="x"),
        Binding("r", "rename", "Rename"),
    ]

    @dataclass
    class ViewLoaded(Message):
        """The group with its members."""

        view: GroupView

    def __init__(self, group_id: int) -> None:
        super().__init__()
        self.group_id = group_id
        self.view: GroupView | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Billing group"), id="group-title", classes="screen-title")
        yield Static(Text("loading…"), id="group-totals")
        yield DataTable(id="group-member-table", cursor_type="row", zebra_stripes=True)
        yield CrmFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Number", key="number", width=8)
        table.add_column("Customer", key="name", width=22)
        table.add_column("Terms", key="terms", width=6)
        table.add_column("Subs", key="subs", width=4)
        code = self.services.ctx.reporting_currency
        table.add_column(f"Monthly {code}", key="monthly", width=11)
        table.add_column(f"Owed {code}", key="owed", width=11)
        table.focus()
        self.load()

    @work(
        thread=True,
        exclusive=True,
        group="billing-group-view",
        exit_on_error=False,
        description="Read a billing group",
    )
    def load(self) -> None:
        self.post_message(self.ViewLoaded(self.services.billing_groups.view(self.group_id)))

    @on(ViewLoaded)
    def show(self, event: ViewLoaded) -> None:
        self.view = event.view
        group = event.view.group
        code = self.services.ctx.reporting_currency  # every summary figure is in it
        self.query_one("#group-title", Static).update(Text(f"Billing group: {group.name}"))
        totals = (
            f"{group.members:,} members · {event.view.active_subscriptions:,} active subscriptions · "
            f"monthly {in_currency(group.active_monthly, code)} · "
            f"outstanding {in_currency(group.outstanding, code)}"
        )
        self.query_one("#group-totals", Static).update(Text(totals))
        table = self.query_one(DataTable)
        table.clear()
        for member in event.view.members:
            table.add_row(
                Text(member.number),
                Text(member.name),
                Text(member.payment_terms or "-"),
                Text(str(member.active_subscriptions), justify="right"),
                amount(member.active_monthly),
                amount(member.outstanding),
                key=str(member.customer_id),
            )

    @property
    def current_member(self) -> int | None:
        return selected_id(self.query_one(DataTable))

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"add_member", "remove_member", "rename"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Members are customer changes; the group's name is a setting.
        if action == "rename":
            return self.crm.write_allowed(action, {action}, Capability.SETTINGS)
        return super().check_action(action, parameters)

    @on(DataTable.RowSelected)
    def open_member(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.crm.open_customer(int(event.row_key.value))

    def action_add_member(self) -> None:
        if not self.writable():
            return
        services = self.services
        group_id = self.group_id

        def add(reference: str) -> str:
            customer = services.customers.resolve(reference)
            services.billing_groups.add_member(group_id, customer.id)
            return customer.display_name

        def added(name: object) -> None:
            if isinstance(name, str):
                self.notify(f"Added {name} to the group.", markup=False)
                self.load()

        self.app.push_screen(
            PromptModal(
                "Add a business customer",
                placeholder="customer number (C-000123), e-mail or phone",
                check=add,
            ),
            added,
        )

    def action_remove_member(self) -> None:
        customer_id = self.current_member
        if customer_id is None or self.view is None or not self.writable():
            return
        member = next((m for m in self.view.members if m.customer_id == customer_id), None)
        if member is None:
            return
        message = f"Take {member.name} ({member.number}) out of {self.view.group.name}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(partial(self._remove, customer_id), "Remove a customer from a group")

        self.app.push_screen(ConfirmationModal(message, title="Remove from group"), answered)

    def _remove(self, customer_id: int) -> str:
        self.services.billing_groups.remove_member(self.group_id, customer_id)
        return "Removed from the group."

    def show_written(self) -> None:
        self.load()

    def action_rename(self) -> None:
        if self.view is None or self.crm.refuse_unless(Capability.SETTINGS):
            return
        group = self.view.group
        groups = self.services.billing_groups

        def renamed(result: object) -> None:
            if result is not None:
                self.load()

        self.app.push_screen(
            PromptModal(
                f"Rename {group.name}",
                value=group.name,
                check=lambda name: groups.rename(group.id, name, expected_version=group.version),
            ),
            renamed,
        )
