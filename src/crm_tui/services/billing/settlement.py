"""Payments and credit notes settle invoices.

A paid payment is set against its customer's open invoices, the one chosen
first, then those in its own currency, oldest due first, then those in other
currencies at the rate of the payment's day (money.crossing), oldest due
first; what is left over is a credit on the customer, used by the next
invoice issued. Without a rate for that day the payment stays credit and
`settle` says which rate is missing. Credit notes settle invoices in their own
currency only, their own invoice first. A refund takes the payment's
allocations back (those invoices reopen) and then lets any other credit fill
the gap.

An allocation records the amount in the invoice's currency (what `settled`
adds up), the amount used of the payment in the payment's currency, and the
rate when they differ. Every change to an invoice's `settled` amount or
status goes through the history like any other edit, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Invoice, InvoiceAllocation, Payment
from crm_tui.models.enums import (
    OPEN_INVOICE_STATUSES,
    InvoiceKind,
    InvoiceStatus,
    PaymentStatus,
)
from crm_tui.models.types import CENT, Money
from crm_tui.services.common import as_money
from crm_tui.services.customers import child_rows as rows
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.money.crossing import Crossing, at_rate, back_at_rate, crossing

ZERO = Decimal("0.00")


def typed_money(expression: Any) -> Any:
    """Arithmetic on Money columns typed as Money again (SQLite stores cents)."""
    return type_coerce(expression, Money())


_COUNTED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def used_of_payment() -> Any:
    """What a payment's allocations use of it, in its own currency (a correlated subquery)."""
    return (
        select(typed_money(func.coalesce(func.sum(col(InvoiceAllocation.source_amount)), 0)))
        .where(col(InvoiceAllocation.payment_id) == col(Payment.id))
        .scalar_subquery()
    )


@dataclass
class _Source:
    """Money not yet set against an invoice: a paid payment or an issued credit note."""

    payment_id: int | None
    credit_note: Invoice | None
    left: Decimal  # in `currency`
    currency: str
    day: date  # the payment's UTC day (a credit note's issue date)


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


def _open_invoices(session: Session, customer_id: int, first_id: int | None) -> list[Invoice]:
    chosen = case((col(Invoice.id) == (first_id or 0), 0), else_=1)
    return list(
        session.scalars(
            select(Invoice)
            .where(
                col(Invoice.customer_id) == customer_id,
                col(Invoice.kind) == InvoiceKind.INVOICE,
                col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            )
            .order_by(chosen, col(Invoice.due_date), col(Invoice.id))
            .with_for_update()
        )
    )


def _payment_sources(session: Session, customer_id: int) -> list[_Source]:
    found = session.execute(
        select(
            col(Payment.id),
            col(Payment.amount),
            col(Payment.currency),
            col(Payment.paid_at),
            used_of_payment().label("used"),
        )
        .where(
            col(Payment.customer_id) == customer_id,
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.settles_invoices),
        )
        .order_by(col(Payment.paid_at), col(Payment.id))
    ).all()
    sources = []
    for payment_id, amount, currency, paid_at, used_amount in found:
        left = amount - as_money(used_amount)
        if left > ZERO:
            day = paid_at.astimezone(UTC).date()
            sources.append(_Source(payment_id, None, left, currency, day))
    return sources


def _credit_sources(session: Session, customer_id: int) -> list[_Source]:
    notes = session.scalars(
        select(Invoice)
        .where(
            col(Invoice.customer_id) == customer_id,
            col(Invoice.kind) == InvoiceKind.CREDIT_NOTE,
            col(Invoice.status) == InvoiceStatus.ISSUED,
            -col(Invoice.total) > col(Invoice.settled),
        )
        .order_by(col(Invoice.issue_date), col(Invoice.id))
        .with_for_update()
    ).all()
    return [
        _Source(None, n, -n.total - n.settled, n.currency, n.issue_date or date.today())
        for n in notes
    ]


class _Rates:
    """Cross rates looked up once per (payment currency, invoice currency, day) in a settle."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[tuple[str, str, date], Crossing] = {}

    def get(self, source: _Source, invoice: Invoice) -> Crossing:
        key = (source.currency, invoice.currency, source.day)
        if key not in self.found:
            self.found[key] = crossing(self.session, *key)
        return self.found[key]


def settle(
    session: Session, customer_id: int, actor: str, *, first_id: int | None = None
) -> dict[int, str]:
    """Set unused credit notes, then unused paid payments, against open invoices.

    Returns, per payment left with credit beside an open invoice in another
    currency for want of a rate, one sentence saying which rate is missing.
    """
    invoices = _open_invoices(session, customer_id, first_id)
    if not invoices:
        return {}
    sources = _credit_sources(session, customer_id) + _payment_sources(session, customer_id)
    if not sources:
        return {}
    rates = _Rates(session)
    unsettled: dict[int, str] = {}
    chosen = [i for i in invoices if i.id == first_id]
    if chosen:  # the chosen invoice first, from every source that can pay it
        _fill(session, sources, chosen, actor, rates, unsettled, same=True)
        _fill(session, sources, chosen, actor, rates, unsettled, same=False)
    _fill(session, sources, invoices, actor, rates, unsettled, same=True)
    _fill(session, sources, invoices, actor, rates, unsettled, same=False)
    return unsettled


def _fill(
    session: Session,
    sources: list[_Source],
    invoices: list[Invoice],
    actor: str,
    rates: _Rates,
    unsettled: dict[int, str],
    *,
    same: bool,
) -> None:
    """Each source in turn against the invoices in its currency (`same`) or in others."""
    for source in sources:
        if source.left <= ZERO or (not same and source.credit_note is not None):
            continue
        targets = [
            i for i in invoices if (i.currency == source.currency) == same and i.settled < i.total
        ]
        note = source.credit_note
        if note is not None and note.credits_invoice_id is not None:
            targets.sort(key=lambda i: i.id != note.credits_invoice_id)  # its own invoice first
        for invoice in targets:
            if source.left <= ZERO:
                break
            if same:
                _allocate(
                    session,
                    invoice,
                    source,
                    min(invoice.total - invoice.settled, source.left),
                    None,
                    actor,
                )
                continue
            found = rates.get(source, invoice)
            if found.rate is None:
                assert source.payment_id is not None
                unsettled.setdefault(source.payment_id, _no_rate(found, source, invoice))
                continue
            _allocate_crossing(session, invoice, source, found.rate, actor)


def _no_rate(found: Crossing, source: _Source, invoice: Invoice) -> str:
    return (
        f"{found.why_not()}, so {source.currency} {source.left:,.2f} of the payment stays as "
        f"credit and {invoice.number} in {invoice.currency} stays open; "
        f"{found.how_to_add()} adds one."
    )


def _allocate_crossing(
    session: Session, invoice: Invoice, source: _Source, rate: Decimal, actor: str
) -> None:
    """As much of `source` as the invoice owes, at `rate` (source's currency into invoice's)."""
    owed = invoice.total - invoice.settled
    covers = at_rate(source.left, rate)
    if covers >= owed:  # the invoice is paid; use what it takes of the payment (a cent at least)
        amount, used = owed, min(source.left, max(back_at_rate(owed, rate), CENT))
    else:
        amount, used = covers, source.left
    if amount <= ZERO:  # what is left is worth less than a cent of the invoice's currency
        return
    _allocate(session, invoice, source, amount, (used, rate), actor)


def _allocate(
    session: Session,
    invoice: Invoice,
    source: _Source,
    amount: Decimal,
    crossed: tuple[Decimal, Decimal] | None,
    actor: str,
) -> None:
    """`amount` (invoice's currency) set against `invoice`; `crossed` is (used, rate)."""
    assert invoice.id is not None
    note = source.credit_note
    used, rate = crossed if crossed is not None else (amount, None)
    session.add(
        InvoiceAllocation(
            invoice_id=invoice.id,
            payment_id=source.payment_id,
            credit_note_id=note.id if note is not None else None,
            amount=amount,
            source_amount=used,
            rate=rate,
        )
    )
    source.left -= used
    _set_settled(session, invoice, invoice.settled + amount, actor)
    if note is not None:
        _set_settled(session, note, note.settled + amount, actor)


def check_payable(
    session: Session, invoice_id: int, customer_id: int, currency: str, day: date
) -> None:
    """Refuse paying an invoice that is not this customer's, not open, or in another
    currency with no rate for the payment's day."""
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
        found = crossing(session, currency, invoice.currency, day)
        if found.rate is None:
            raise ValidationError(
                "currency",
                f"{found.why_not()}, so a payment in {currency} cannot settle {label} "
                f"in {invoice.currency}; {found.how_to_add()} adds one.",
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
    settle(session, payment.customer_id, actor)


def holders_of_credit(session: Session, pairs: Iterable[tuple[int, str]]) -> list[int]:
    """The customers among (customer, currency of a new invoice) pairs whose credit may
    settle it: an unused payment in any currency, or a credit note in that one."""
    pairs = set(pairs)
    if not pairs:
        return []
    ids = sorted({customer_id for customer_id, _ in pairs})
    paying = session.scalars(
        select(col(Payment.customer_id))
        .where(
            col(Payment.customer_id).in_(ids),
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.settles_invoices),
            col(Payment.amount) > used_of_payment(),
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
    notes = {(int(c), str(cur)) for c, cur in crediting} & pairs
    return sorted({int(c) for c in paying} | {c for c, _ in notes})


def waiting_for_rates(session: Session, currencies: Iterable[str]) -> list[int]:
    """Customers whose unused payment credit may now settle an open invoice in another
    currency: one side of the pair is in `currencies` (whose rates just changed)."""
    codes = sorted(set(currencies))
    if not codes:
        return []
    other_open = (
        select(col(Invoice.id))
        .where(
            col(Invoice.customer_id) == col(Payment.customer_id),
            col(Invoice.kind) == InvoiceKind.INVOICE,
            col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            col(Invoice.currency) != col(Payment.currency),
            or_(col(Invoice.currency).in_(codes), col(Payment.currency).in_(codes)),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(col(Payment.customer_id))
            .where(
                col(Payment.status) == PaymentStatus.PAID,
                col(Payment.settles_invoices),
                col(Payment.amount) > used_of_payment(),
                other_open,
            )
            .distinct()
            .order_by(col(Payment.customer_id))
        )
    )
