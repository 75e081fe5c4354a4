"""Overdue invoices across customers: filter by customer, mark, send reminders in bulk.

Each row shows the reminder the invoice is due next (or why it would be
skipped). `s` sends the reminders due for the marked invoices, or for every
invoice listed when none is marked, through SMTP or the .eml outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from crm_tui.services.invoices import InvoiceRead
from crm_tui.services.invoices.dunning import DueReminder, level_name
from crm_tui.services.invoices.reminders import ReminderRun
from crm_tui.services.roles.policy import Capability
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.clock import today
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.detail.base import cell, money
from crm_tui.ui.widgets.tables import selected_id
from crm_tui.wording import counted

LIMIT = 1000


@dataclass(frozen=True)
class OverdueData:
    invoices: list[InvoiceRead]
    due: dict[int, DueReminder]
    levels: int


class OverdueInvoicesScreen(CrmScreen[None]):
    """Every invoice unpaid after its due date, oldest due first."""

    CSS_PATH: ClassVar = [str(stylesheet("overdue.tcss"))]
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"send"})
    WRITE_NEEDS: ClassVar[Capability] = Capability.REMIND
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("space", "mark", "Mark", key_display="␣"),
        Binding("asterisk", "mark_all", "Mark all", key_display="*"),
        Binding("s", "send", "Send reminders"),
        Binding("ctrl+r", "reload", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.marked: set[int] = set()
        self.data = OverdueData([], {}, 0)

    def compose(self) -> ComposeResult:
        with Vertical(id="overdue-body"):
            yield Input(placeholder="customer name…", id="overdue-filter", compact=True)
            yield Static(Text("Loading…", style="dim"), id="overdue-note")
            yield DataTable(id="overdue-table", cursor_type="row", zebra_stripes=True)
        yield CrmFooter()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#overdue-table", DataTable)
        table.add_column(" ", width=1)
        table.add_column("Number", width=15)
        table.add_column("Customer", width=19)
        table.add_column("Late", width=5)
        table.add_column("Owed", width=10)
        table.add_column("Next reminder", width=15)
        self.load()
        self.query_one("#overdue-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.crm.write_allowed(action, {"send"})

    # --- loading ---------------------------------------------------------------------

    def load(self) -> None:
        self._load(self.query_one("#overdue-filter", Input).value, today())

    @work(thread=True, exclusive=True, group="overdue", exit_on_error=False)
    def _load(self, name: str, day_: date) -> None:
        invoices = self.services.invoices.list(overdue_on=day_, name_contains=name, limit=LIMIT)
        due = {d.invoice.id: d for d in self.services.reminders.due(today=day_)}
        levels = len(self.services.ctx.invoicing.levels)
        self.app.call_from_thread(self._show, OverdueData(invoices, due, levels))

    def _show(self, data: OverdueData) -> None:
        self.data = data
        self.marked &= {i.id for i in data.invoices}
        self._fill()

    def _fill(self) -> None:
        data, now = self.data, today()
        table: DataTable[Text] = self.query_one("#overdue-table", DataTable)
        keep = selected_id(table)
        table.clear()
        for i in data.invoices:
            table.add_row(
                cell("●" if i.id in self.marked else " ", "bold"),
                cell(i.label, "bold"),
                cell(i.customer_name),
                Text(f"{i.days_overdue(now)}d", justify="right"),
                Text(money(i.owed, i.currency), justify="right"),
                self._next(data.due.get(i.id), data.levels),
                key=str(i.id),
            )
        if keep is not None and str(keep) in {str(i.id) for i in data.invoices}:
            table.move_cursor(row=table.get_row_index(str(keep)), animate=False)
        self._note()

    @staticmethod
    def _next(due: DueReminder | None, levels: int) -> Text:
        if due is None:
            return Text("sent", style="dim")
        if due.skip_reason:
            return Text(f"skipped: {due.skip_reason}", style="yellow")
        return Text(level_name(due.level, levels))

    def _note(self) -> None:
        shown = len(self.data.invoices)
        sendable = sum(1 for d in self.data.due.values() if d.skip_reason is None)
        self.query_one("#overdue-note", Static).update(
            Text.assemble(
                (f"{shown} overdue invoices", "bold"),
                (f"  ·  {len(self.marked)} marked  ·  {sendable} reminders due", "dim"),
            )
        )

    # --- keys ------------------------------------------------------------------------

    @on(Input.Changed, "#overdue-filter")
    def _filter_changed(self) -> None:
        self.load()

    @on(Input.Submitted, "#overdue-filter")
    def _filter_done(self) -> None:
        self.query_one("#overdue-table", DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#overdue-filter", Input).focus()

    def action_back(self) -> None:
        box = self.query_one("#overdue-filter", Input)
        if box.has_focus and box.value:
            box.value = ""
            return
        if box.has_focus:
            self.query_one("#overdue-table", DataTable).focus()
            return
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_mark(self) -> None:
        row_id = selected_id(self.query_one("#overdue-table", DataTable))
        if row_id is None:
            return
        self.marked ^= {row_id}
        self._fill()

    def action_mark_all(self) -> None:
        every = {i.id for i in self.data.invoices}
        self.marked = set() if self.marked == every else every
        self._fill()

    def action_send(self) -> None:
        if not self.writable():
            return
        chosen = self.marked or {i.id for i in self.data.invoices}
        ready = [d for i, d in self.data.due.items() if i in chosen and d.skip_reason is None]
        if not ready:
            self.notify("No reminder is due for these invoices.", markup=False)
            return
        smtp = self.services.ctx.invoicing.smtp.host
        where = f"through {smtp}" if smtp else "to the .eml outbox"
        question = (
            f"Send {counted(len(ready), 'reminder')} {where}? Each goes once per invoice and level."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(sorted(chosen))

        self.app.push_screen(ConfirmationModal(Text(question), confirm="Send"), callback=answered)

    @work(thread=True, exclusive=True, group="overdue-send", exit_on_error=False)
    def _send(self, invoice_ids: list[int]) -> None:
        run = self.services.reminders.send(today=today(), invoice_ids=invoice_ids)
        self.app.call_from_thread(self._sent, run)

    def _sent(self, run: ReminderRun) -> None:
        where = "by e-mail" if run.channel == "smtp" else f"to {run.outbox}"
        message = f"Sent {counted(len(run.sent), 'reminder')} {where}; skipped {len(run.skipped)}."
        if run.failure:
            self.notify(f"{message} {run.failure}", severity="error", markup=False)
        else:
            self.notify(message, markup=False)
        self.marked.clear()
        self.load()
