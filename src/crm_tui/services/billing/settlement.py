"""Payments and credit notes settle invoices.

A paid payment is set against its customer's open invoices in the same
currency, the one chosen first, then the oldest due; what is left over is a
credit on the customer, used by the next invoice issued in that currency.
Issued credit notes are used the same way, their own invoice first. A
refund takes the payment's allocations back (those invoices reopen) and then
lets any other credit fill the gap. Nothing here converts currencies: an
invoice is only ever settled by money in its own currency.

Every change to an invoice's `settled` amount or status goes through the
history like any other edit, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Invoice, InvoiceAllocation, Payment
from crm_tui.models.enums import (
    OPEN_INVOICE_STATUSES,
    InvoiceKind,
    InvoiceStatus,
    PaymentStatus,
)
from crm_tui.models.types import Money
from crm_tui.services.common import as_money
from crm_tui.services.customers import child_rows as rows
from crm_tui.services.errors import NotFound, ValidationError

ZERO = Decimal("0.00")


def _typed_money(expression: Any) -> Any:
    """Arithmetic on Money columns typed as Money again (SQLite stores cents)."""
    return type_coerce(expression, Money())


_COUNTED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


@dataclass
class _Source:
    """Money not yet set against an invoice: a paid payment or an issued credit note."""

    payment_id: int | None
    credit_note: Invoice | None
    left: Decimal


def status_for(invoice: Invoice, settled: Decimal) -> str:
    """Issued, partly paid or paid, from what is settled (credit notes stay issued)."""
    if invoice.kind == InvoiceKind.CREDIT_NOTE or settled <= ZERO:
        return InvoiceStatus.ISSUED.value
    return InvoiceStatus.PAID.value if settled >= invoice.total else InvoiceStatus.PARTLY_PAID.value


def _set_settled(session: Session, invoice: Invoice, settled: Decimal, actor: str) -> None:
    rows.apply_changes(
        session,
        invoice,
        {"settled": settled, "status": status_for(invoice, settled)},
        entity="invoice",
        actor=actor,
        expected_version=None,
    )


def _open_invoices(
    session: Session, customer_id: int, currency: str, first_id: int | None
) -> list[Invoice]:
    chosen = case((col(Invoice.id) == (first_id or 0), 0), else_=1)
    return list(
        session.scalars(
            select(Invoice)
            .where(
                col(Invoice.customer_id) == customer_id,
                col(Invoice.currency) == currency,
                col(Invoice.kind) == InvoiceKind.INVOICE,
                col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            )
            .order_by(chosen, col(Invoice.due_date), col(Invoice.id))
            .with_for_update()
        )
    )


def _payment_sources(session: Session, customer_id: int, currency: str) -> list[_Source]:
    used = (
        select(func.coalesce(func.sum(col(InvoiceAllocation.amount)), 0))
        .where(col(InvoiceAllocation.payment_id) == col(Payment.id))
        .scalar_subquery()
    )
    found = session.execute(
        select(col(Payment.id), col(Payment.amount), used.label("used"))
        .where(
            col(Payment.customer_id) == customer_id,
            col(Payment.currency) == currency,
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.settles_invoices),
        )
        .order_by(col(Payment.paid_at), col(Payment.id))
    ).all()
    sources = []
    for payment_id, amount, used_amount in found:
        left = amount - as_money(used_amount)
        if left > ZERO:
            sources.append(_Source(payment_id=payment_id, credit_note=None, left=left))
    return sources


def _credit_sources(session: Session, customer_id: int, currency: str) -> list[_Source]:
    notes = session.scalars(
        select(Invoice)
        .where(
            col(Invoice.customer_id) == customer_id,
            col(Invoice.currency) == currency,
            col(Invoice.kind) == InvoiceKind.CREDIT_NOTE,
            col(Invoice.status) == InvoiceStatus.ISSUED,
            -col(Invoice.total) > col(Invoice.settled),
        )
        .order_by(col(Invoice.issue_date), col(Invoice.id))
        .with_for_update()
    ).all()
    return [_Source(payment_id=None, credit_note=n, left=-n.total - n.settled) for n in notes]


def settle(
    session: Session, customer_id: int, currency: str, actor: str, *, first_id: int | None = None
) -> None:
    """Set unused credit notes, then unused paid payments, against open invoices."""
    invoices = _open_invoices(session, customer_id, currency, first_id)
    if not invoices:
        return
    sources = _credit_sources(session, customer_id, currency)
    sources += _payment_sources(session, customer_id, currency)
    for source in sources:
        note = source.credit_note
        if note is not None and note.credits_invoice_id is not None:
            invoices.sort(key=lambda i: i.id != note.credits_invoice_id)  # its own invoice first
        for invoice in invoices:
            owed = invoice.total - invoice.settled
            if owed <= ZERO or source.left <= ZERO:
                continue
            take = min(owed, source.left)
            _allocate(session, invoice, source, take, actor)
        invoices = [i for i in invoices if i.settled < i.total]
        if not invoices:
            return


def _allocate(
    session: Session, invoice: Invoice, source: _Source, amount: Decimal, actor: str
) -> None:
    assert invoice.id is not None
    note = source.credit_note
    session.add(
        InvoiceAllocation(
            invoice_id=invoice.id,
            payment_id=source.payment_id,
            credit_note_id=note.id if note is not None else None,
            amount=amount,
        )
    )
    source.left -= amount
    _set_settled(session, invoice, invoice.settled + amount, actor)
    if note is not None:
        _set_settled(session, note, note.settled + amount, actor)


def check_payable(session: Session, invoice_id: int, customer_id: int, currency: str) -> None:
    """Refuse paying an invoice that is not this customer's, not open, or in another currency."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.customer_id != customer_id:
        raise NotFound(f"Invoice {invoice_id} is not this customer's.")
    label = invoice.number or f"draft #{invoice.id}"
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValidationError("invoice", f"{label} is a credit note; it is not paid.")
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError("invoice", f"{label} is void, so it cannot be paid.")
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError("invoice", f"{label} is a draft; issue it before taking payment.")
    if invoice.currency != currency:
        raise ValidationError(
            "currency",
            f"{label} is in {invoice.currency}; a payment in {currency} cannot settle it "
            "without an exchange rate.",
        )


def release_payment(session: Session, payment: Payment, actor: str) -> None:
    """Take back everything a payment settled (it was refunded or is no longer paid)."""
    allocations = session.scalars(
        select(InvoiceAllocation).where(col(InvoiceAllocation.payment_id) == payment.id)
    ).all()
    for allocation in allocations:
        invoice = rows.load_child(session, Invoice, allocation.invoice_id)
        _set_settled(session, invoice, invoice.settled - allocation.amount, actor)
        session.delete(allocation)
    session.flush()
    settle(session, payment.customer_id, payment.currency, actor)


def holders_of_credit(session: Session, pairs: set[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those (customer, currency) pairs that hold unused payments or credit notes."""
    if not pairs:
        return []
    ids = sorted({customer_id for customer_id, _ in pairs})
    used = (
        select(func.coalesce(func.sum(col(InvoiceAllocation.amount)), 0))
        .where(col(InvoiceAllocation.payment_id) == col(Payment.id))
        .scalar_subquery()
    )
    paying = session.execute(
        select(col(Payment.customer_id), col(Payment.currency))
        .where(
            col(Payment.customer_id).in_(ids),
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.settles_invoices),
            col(Payment.amount) > used,
        )
        .distinct()
    ).all()
    crediting = session.execute(
        select(col(Invoice.customer_id), col(Invoice.currency))
        .where(
            col(Invoice.customer_id).in_(ids),
            col(Invoice.kind) == InvoiceKind.CREDIT_NOTE,
            col(Invoice.status) == InvoiceStatus.ISSUED,
            -col(Invoice.total) > col(Invoice.settled),
        )
        .distinct()
    ).all()
    found = {(int(c), str(cur)) for c, cur in [*paying, *crediting]}
    return sorted(found & pairs)


@dataclass(frozen=True)
class CurrencyBalance:
    """What a customer owes, and holds as credit, in one currency."""

    currency: str
    owed: Decimal
    credit: Decimal


def balances(session: Session, customer_id: int) -> list[CurrencyBalance]:
    """Owed and credit per currency (never added across currencies)."""
    owed: dict[str, Decimal] = dict(
        session.execute(
            select(
                col(Invoice.currency),
                func.sum(_typed_money(col(Invoice.total) - col(Invoice.settled))),
            )
            .where(
                col(Invoice.customer_id) == customer_id,
                col(Invoice.kind) == InvoiceKind.INVOICE,
                col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            )
            .group_by(col(Invoice.currency))
        ).all()
    )
    credit: dict[str, Decimal] = {}
    for note_currency, left in session.execute(
        select(
            col(Invoice.currency),
            func.sum(_typed_money(-col(Invoice.total) - col(Invoice.settled))),
        )
        .where(
            col(Invoice.customer_id) == customer_id,
            col(Invoice.kind) == InvoiceKind.CREDIT_NOTE,
            col(Invoice.status) == InvoiceStatus.ISSUED,
        )
        .group_by(col(Invoice.currency))
    ).all():
        credit[note_currency] = credit.get(note_currency, ZERO) + as_money(left)
    used = (
        select(func.coalesce(func.sum(col(InvoiceAllocation.amount)), 0))
        .where(col(InvoiceAllocation.payment_id) == col(Payment.id))
        .scalar_subquery()
    )
    for pay_currency, left in session.execute(
        select(col(Payment.currency), func.sum(_typed_money(col(Payment.amount) - used)))
        .where(
            col(Payment.customer_id) == customer_id,
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.settles_invoices),
        )
        .group_by(col(Payment.currency))
    ).all():
        credit[pay_currency] = credit.get(pay_currency, ZERO) + as_money(left)
    currencies = sorted(set(owed) | {c for c, v in credit.items() if v > ZERO})
    return [
        CurrencyBalance(currency=c, owed=as_money(owed.get(c)), credit=credit.get(c, ZERO))
        for c in currencies
    ]
