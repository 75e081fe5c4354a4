"""What a customer owes, and holds as credit, per currency (never added across them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Invoice, Payment
from crm_tui.models.enums import OPEN_INVOICE_STATUSES, InvoiceKind, InvoiceStatus, PaymentStatus
from crm_tui.services.billing.settlement import ZERO, typed_money, used_of_payment
from crm_tui.services.common import as_money


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
                func.sum(typed_money(col(Invoice.total) - col(Invoice.settled))),
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
            func.sum(typed_money(-col(Invoice.total) - col(Invoice.settled))),
        )
        .where(
            col(Invoice.customer_id) == customer_id,
            col(Invoice.kind) == InvoiceKind.CREDIT_NOTE,
            col(Invoice.status) == InvoiceStatus.ISSUED,
        )
        .group_by(col(Invoice.currency))
    ).all():
        credit[note_currency] = credit.get(note_currency, ZERO) + as_money(left)
    for pay_currency, left in session.execute(
        select(
            col(Payment.currency),
            func.sum(typed_money(col(Payment.amount) - used_of_payment())),
        )
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
