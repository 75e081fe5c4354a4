"""An invoice's lines and figures, read-only (`enter` on an invoice)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from crm_tui.services.invoices import InvoiceDetail
from crm_tui.services.invoices.reads import status_label
from crm_tui.text import literal
from crm_tui.ui.base import CrmModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.detail.base import cell, day, money


class InvoiceLinesModal(CrmModal[None]):
    """An invoice's lines and figures, read-only; `escape` closes."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, invoice_id: int) -> None:
        super().__init__()
        self.invoice_id = invoice_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog invoice-dialog"):
            yield Static(Content("Invoice"), id="invoice-title", classes="dialog-title")
            yield DataTable(id="invoice-lines", cursor_type="row")
            yield Static("", id="invoice-totals", classes="dialog-message")
            yield Static(Content("esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#invoice-lines", DataTable).add_columns(
            "Description", "Qty", "Price", "Tax %", "Amount"
        )
        self._load()

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        detail = self.services.invoices.get(self.invoice_id)
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail: InvoiceDetail) -> None:
        i = detail.invoice
        self.query_one("#invoice-title", Static).update(
            Text(f"{i.label} · {status_label(i.status)} · {literal(i.customer_name)}")
        )
        table: DataTable[Text] = self.query_one("#invoice-lines", DataTable)
        for line in detail.lines:
            table.add_row(
                cell(line.description), Text(_plain(line.quantity), justify="right"),
                Text(money(line.unit_price, i.currency), justify="right"),
                Text(_plain(line.tax_rate), justify="right"),
                Text(money(line.amount, i.currency), justify="right"),
            )  # fmt: skip
        figures = [
            f"Subtotal {money(i.subtotal, i.currency)}   Tax {money(i.tax, i.currency)}   "
            f"Total {money(i.total, i.currency)}",
            f"Issued {day(i.issue_date) or '—'}   Due {day(i.due_date) or '—'}   "
            f"Paid {money(i.settled, i.currency)}   Owed {money(i.owed, i.currency)}",
        ]
        if i.notes:
            figures.append(literal(i.notes, multiline=True))
        self.query_one("#invoice-totals", Static).update(Text("\n".join(figures)))

    def action_close(self) -> None:
        self.dismiss(None)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
