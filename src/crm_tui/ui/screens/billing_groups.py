"""Billing groups: every group with its members, monthly total and outstanding balance.

`enter` opens the group view (members, their terms and figures); `n` creates,
`r` renames and `delete` deletes a group (its members simply leave it).
"""

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

from crm_tui.services.billing.groups import BillingGroupRead
from crm_tui.services.roles import Capability
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.billing_group import BillingGroupScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.tables import amount, restore_cursor, selected_id


class BillingGroupsScreen(CrmScreen[None]):
    """The list of billing groups."""

    CSS_PATH: ClassVar = [str(stylesheet("billing_groups.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("enter", "open_group", "Open", show=True, priority=False),
        Binding("n", "new_group", "New"),
        Binding("r", "rename", "Rename"),
        Binding("delete", "delete", "Delete", key_display="del"),
    ]

    @dataclass
    class GroupsLoaded(Message):
        """The groups with their totals."""

        groups: list[BillingGroupRead]

    def __init__(self) -> None:
        super().__init__()
        self.groups: dict[int, BillingGroupRead] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Billing groups"), id="groups-title", classes="screen-title")
        yield DataTable(id="group-table", cursor_type="row", zebra_stripes=True)
        yield CrmFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Billing group", key="name", width=30)
        table.add_column("Members", key="members", width=8)
        code = self.services.ctx.reporting_currency  # every summary figure is in it
        table.add_column(f"Monthly {code}", key="monthly", width=12)
        table.add_column(f"Owed {code}", key="owed", width=12)
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        group="billing-groups",
        exit_on_error=False,
        description="Read the billing groups",
    )
    def load(self) -> None:
        self.post_message(self.GroupsLoaded(self.services.billing_groups.list()))

    @on(GroupsLoaded)
    def show(self, event: GroupsLoaded) -> None:
        table = self.query_one(DataTable)
        keep = selected_id(table)
        table.clear()
        self.groups = {g.id: g for g in event.groups}
        for group in event.groups:
            table.add_row(
                Text(group.name),
                Text(f"{group.members:,}", justify="right"),
                amount(group.active_monthly),
                amount(group.outstanding),
                key=str(group.id),
            )
        restore_cursor(table, keep)
        title = (
            f"Billing groups ({len(event.groups)})"
            if event.groups
            else "Billing groups: none yet, n adds one"
        )
        self.query_one("#groups-title", Static).update(Text(title))

    @property
    def current(self) -> BillingGroupRead | None:
        row_id = selected_id(self.query_one(DataTable))
        return self.groups.get(row_id) if row_id is not None else None

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"new_group", "rename", "delete"})
    WRITE_NEEDS: ClassVar[Capability] = Capability.SETTINGS

    def _done(self, result: object) -> None:
        if result is not None:
            self.load()

    @on(DataTable.RowSelected, "#group-table")
    def selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_group()

    def action_open_group(self) -> None:
        group = self.current
        if group is not None:
            self.app.push_screen(BillingGroupScreen(group.id))

    def action_new_group(self) -> None:
        if not self.writable():
            return
        groups = self.services.billing_groups
        self.app.push_screen(
            PromptModal("New billing group", placeholder="group name", check=groups.create),
            self._done,
        )

    def action_rename(self) -> None:
        group = self.current
        if group is None or not self.writable():
            return
        groups = self.services.billing_groups
        self.app.push_screen(
            PromptModal(
                f"Rename {group.name}",
                value=group.name,
                check=lambda name: groups.rename(group.id, name, expected_version=group.version),
            ),
            self._done,
        )

    def action_delete(self) -> None:
        group = self.current
        if group is None or not self.writable():
            return
        message = f"Delete the billing group {group.name}?"
        if group.members:
            message += (
                f" Its {group.members:,} members leave the group (recorded in their history)."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(partial(self._delete, group.id), "Delete a billing group")

        self.app.push_screen(ConfirmationModal(message, title="Delete billing group"), answered)

    def _delete(self, group_id: int) -> str:
        self.services.billing_groups.delete(group_id)
        return "Billing group deleted."

    def show_written(self) -> None:
        self.load()
