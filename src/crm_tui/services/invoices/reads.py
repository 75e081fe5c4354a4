"""What the invoice services hand out: frozen copies, never live rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from crm_tui.models import Invoice, InvoiceLine
from crm_tui.models.enums import OPEN_INVOICE_STATUSES, InvoiceKind


def status_label(status: str) -> str:
    """How a status is shown: "partly paid" for partly_paid."""
    return status.replace("_", " ")


@dataclass(frozen=True)
class InvoiceLineRead:
    """One printed line."""

    id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal
    subscription_id: int | None
    period_start: date | None
    period_end: date | None
    order_item_id: int | None


@dataclass(frozen=True)
class InvoiceRead:
    """An invoice or credit note with its figures (lines in `InvoiceDetail`)."""

    id: int
    number: str | None
    kind: str
    customer_id: int
    customer_name: str
    billing_group_id: int | None
    credits_invoice_id: int | None
    status: str
    issue_date: date | None
    due_date: date | None
    payment_terms: str | None
    period_start: date | None
    period_end: date | None
    currency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    settled: Decimal
    notes: str
    version: int

    @property
    def label(self) -> str:
        """The number, or "draft #12" before it has one."""
        return self.number or f"draft #{self.id}"

    @property
    def owed(self) -> Decimal:
        """What is still to pay (zero for drafts, void invoices and credit notes)."""
        if self.kind != InvoiceKind.INVOICE or self.status not in OPEN_INVOICE_STATUSES:
            return Decimal("0.00")
        return self.total - self.settled

    def days_overdue(self, today: date) -> int:
        """Days past the due date while something is owed; 0 otherwise."""
        if self.due_date is None or self.owed <= 0 or today <= self.due_date:
            return 0
        return (today - self.due_date).days


@dataclass(frozen=True)
class InvoiceDetail:
    """An invoice with its lines, as printed."""

    invoice: InvoiceRead
    lines: tuple[InvoiceLineRead, ...]


def line_read(line: InvoiceLine) -> InvoiceLineRead:
    assert line.id is not None
    return InvoiceLineRead(
        id=line.id,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        amount=line.amount,
        tax=line.tax,
        subscription_id=line.subscription_id,
        period_start=line.period_start,
        period_end=line.period_end,
        order_item_id=line.order_item_id,
    )


def invoice_read(invoice: Invoice, customer_name: str) -> InvoiceRead:
    assert invoice.id is not None
    return InvoiceRead(
        id=invoice.id,
        number=invoice.number,
        kind=invoice.kind,
        customer_id=invoice.customer_id,
        customer_name=customer_name,
        billing_group_id=invoice.billing_group_id,
        credits_invoice_id=invoice.credits_invoice_id,
        status=invoice.status,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        payment_terms=invoice.payment_terms,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        total=invoice.total,
        settled=invoice.settled,
        notes=invoice.notes,
        version=invoice.version,
    )
