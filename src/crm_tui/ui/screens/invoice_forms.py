"""Invoice dialogs: a typed line for a new draft (or the selected one), and an invoice's lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from crm_tui.services.invoices import InvoiceDetail, InvoiceRead, LineInput
from crm_tui.services.invoices.reads import status_label
from crm_tui.services.registry import Services
from crm_tui.text import literal
from crm_tui.ui.screens.item_form import FormField, ItemFormModal
from crm_tui.ui.screens.item_forms import _CURRENCY_CHOICES
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.detail_base import cell, day, money

LINE_FIELDS = [
    FormField("description", "Description", placeholder="e.g. Installation"),
    FormField("quantity", "Quantity", placeholder="e.g. 1"),
    FormField("unit_price", "Unit price", placeholder="e.g. 49.90"),
    FormField("tax_rate", "Tax %", placeholder="e.g. 20"),
]


def invoice_line_form(
    services: Services, customer_id: int, draft: InvoiceRead | None
) -> ItemFormModal:
    """Add a line to `draft`, or start a new draft (currency and notes asked too)."""

    def line(values: dict[str, Any]) -> LineInput:
        return LineInput(
            description=values.get("description", ""),
            unit_price=values.get("unit_price", ""),
            quantity=values.get("quantity", ""),
            tax_rate=values.get("tax_rate", ""),
        )

    defaults = {"quantity": "1", "tax_rate": str(services.ctx.invoicing.tax_rate.normalize())}
    if draft is not None:
        return ItemFormModal(
            f"Add a line to {draft.label}", LINE_FIELDS,
            lambda values, _v: services.invoices.add_lines(draft.id, [line(values)]),
            values=defaults,
        )  # fmt: skip
    fields = [
        *LINE_FIELDS,
        FormField("currency", "Currency", "choice", _CURRENCY_CHOICES),
        FormField("notes", "Notes printed", "long"),
    ]
    return ItemFormModal(
        "New invoice (draft)", fields,
        lambda values, _v: services.invoices.create_draft(
            customer_id, [line(values)], currency=values.get("currency") or None,
            notes=values.get("notes") or None,
        ),
        values={**defaults, "currency": "GBP"},
    )  # fmt: skip


class InvoiceLinesModal(ModalScreen[None]):
    """An invoice's lines and figures, read-only; `escape` closes."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, services: Services, invoice_id: int) -> None:
        super().__init__()
        self.services = services
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


def invoice_lines_modal(services: Services, invoice_id: int) -> InvoiceLinesModal:
    return InvoiceLinesModal(services, invoice_id)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
