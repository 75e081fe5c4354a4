"""A customer's invoices and credit notes, what is owed and what is held as credit.

Overdue invoices are highlighted. The hosting screen's keys land here: a new
draft (or a line on the selected draft), issue, void (a draft is deleted),
credit the whole invoice, write its PDF to the data folder; `enter` shows
its lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from crm_tui.config import data_dir
from crm_tui.models import format_number
from crm_tui.services.billing.balances import CurrencyBalance
from crm_tui.services.invoices import InvoiceRead
from crm_tui.services.invoices.documents import default_pdf_name
from crm_tui.services.invoices.reads import status_label
from crm_tui.services.private_files import private_dir
from crm_tui.text import literal
from crm_tui.ui.clock import today
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.invoice_lines import InvoiceLinesModal
from crm_tui.ui.widgets.detail.base import (
    DetailTab,
    cell,
    day,
    money,
)
from crm_tui.ui.widgets.detail.invoice_forms import invoice_line_form
from crm_tui.ui.widgets.tables import restore_cursor, selected_id
from crm_tui.wording import counted

STATUS_STYLES = {"paid": "green", "partly_paid": "yellow", "draft": "dim", "void": "dim strike"}


@dataclass(frozen=True)
class InvoicesData:
    customer: str
    invoices: list[InvoiceRead]
    balances: list[CurrencyBalance]


class InvoicesTab(DetailTab[InvoicesData]):
    """The customer's invoices, newest first."""

    KIND = "invoice"

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.invoices: dict[int, InvoiceRead] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="invoices-note", classes="tab-note")
        with VerticalScroll(id="invoices-scroll", can_focus=False):
            yield DataTable(id="invoices-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#invoices-table", DataTable)
        table.add_column("Number", width=15)
        table.add_column("Due", width=10)
        table.add_column("Status", width=11)
        table.add_column("Total", width=10)
        table.add_column("Owed", width=10)
        table.add_column("Late", width=5)

    def fetch(self) -> InvoicesData:
        invoices = self.services.invoices
        customer = self.services.customers.get(self.customer_id)
        return InvoicesData(
            customer=f"{format_number(self.customer_id)} {customer.display_name}",
            invoices=invoices.list(customer_id=self.customer_id),
            balances=invoices.balances(self.customer_id),
        )

    def show(self, data: InvoicesData) -> None:
        self.invoices = {i.id: i for i in data.invoices}
        figures: list[tuple[str, str]] = [
            (literal(data.customer), "bold"), (f"  ·  {counted(len(data.invoices), 'invoice')}", ""),
        ]  # fmt: skip
        for b in data.balances:
            figures.append((f"  ·  owed {money(b.owed, b.currency)}", "bold" if b.owed else ""))
            if b.credit:
                figures.append((f"  ·  credit {money(b.credit, b.currency)}", "green"))
        self.query_one("#invoices-note", Static).update(Text.assemble(*figures))
        table: DataTable[Text] = self.query_one("#invoices-table", DataTable)
        keep = selected_id(table)
        table.clear()
        now = today()
        for i in data.invoices:
            late = i.days_overdue(now)
            status = status_label(i.status) if i.kind == "invoice" else "credit note"
            table.add_row(
                cell(i.label, self.error_style() if late else "bold"),
                cell(day(i.due_date), self.error_style() if late else ""),
                cell(status, STATUS_STYLES.get(i.status, "")),
                Text(money(i.total, i.currency), justify="right"),
                Text(money(i.owed, i.currency) if i.owed else "", justify="right"),
                cell(f"{late}d" if late else "", self.error_style()),
                key=str(i.id),
            )
        if not data.invoices:
            table.add_row(*(Text(t, style="dim") for t in ("no invoices", "", "", "", "", "")))
        restore_cursor(table, keep)

    def focus_main(self) -> None:
        self.query_one("#invoices-table", DataTable).focus()

    def _selected(self) -> InvoiceRead | None:
        row_id = selected_id(self.query_one("#invoices-table", DataTable))
        found = self.invoices.get(row_id) if row_id is not None else None
        if found is None:
            self.nothing_selected()
        return found

    # --- keys -------------------------------------------------------------------

    @on(DataTable.RowSelected, "#invoices-table")
    def open_invoice(self) -> None:
        invoice = self._selected()
        if invoice is not None:
            self.app.push_screen(InvoiceLinesModal(invoice.id))

    def add_item(self) -> None:
        """A new draft with one line, or one more line on the selected draft."""
        row_id = selected_id(self.query_one("#invoices-table", DataTable))
        chosen = self.invoices.get(row_id) if row_id is not None else None
        draft = chosen if chosen is not None and chosen.status == "draft" else None
        self.app.push_screen(
            invoice_line_form(self.services, self.customer_id, draft), callback=self.form_closed
        )

    def issue(self) -> None:
        invoice = self._selected()
        if invoice is None:
            return
        if invoice.status != "draft":
            self.notify(f"{invoice.label} is already issued.", markup=False, severity="warning")
            return
        self._confirm(
            f"Issue {invoice.label} for {money(invoice.total, invoice.currency)}? It gets its "
            "number and can no longer be changed.",
            "Issue", lambda: self.services.invoices.issue(invoice.id, on=today()), "Invoice issued.",
        )  # fmt: skip

    def remove_item(self) -> None:
        """`v`/`x`: void an issued invoice, delete a draft."""
        invoice = self._selected()
        if invoice is None:
            return
        if invoice.status == "draft":
            self._confirm(f"Delete {invoice.label}?", "Delete",
                          lambda: self.services.invoices.delete_draft(invoice.id), "Draft deleted.",
                          danger=True)  # fmt: skip
            return
        self._confirm(
            f"Void {invoice.label}? Its number stays used; nothing is owed on it any more.",
            "Void", lambda: self.services.invoices.void(invoice.id), "Invoice voided.", danger=True,
        )  # fmt: skip

    def credit(self) -> None:
        invoice = self._selected()
        if invoice is None:
            return
        self._confirm(
            f"Issue a credit note for all of {invoice.label} "
            f"({money(invoice.total, invoice.currency)})?",
            "Credit", lambda: self.services.invoices.credit_note(invoice.id, on=today()),
            "Credit note issued.",
        )  # fmt: skip

    def pdf(self) -> None:
        invoice = self._selected()
        if invoice is None:
            return
        if invoice.number is None:
            self.notify("Issue the draft first; a PDF is made of an issued invoice.", markup=False)
            return
        folder = data_dir() / "invoices"
        self.run_write(
            lambda: self._write_pdf(invoice.id, folder), f"Wrote {invoice.label}.pdf to {folder}."
        )

    def _write_pdf(self, invoice_id: int, folder: Path) -> None:
        doc = self.services.invoices.document(invoice_id)
        target = private_dir(folder) / default_pdf_name(doc)
        self.services.invoices.pdf(invoice_id, target, overwrite=True)

    def _confirm(
        self,
        question: str,
        button: str,
        write: Callable[[], object],
        done: str,
        *,
        danger: bool = False,
    ) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(write, done)

        self.app.push_screen(
            ConfirmationModal(Text(question), confirm=button, danger=danger), callback=answered
        )
