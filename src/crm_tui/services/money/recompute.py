"""Rewriting stored reporting amounts after a rate or the reporting currency changes.

Automatic, in the transaction that changes the rate: `crm rates set` and
`crm rates import` recompute every payment in the currencies they touch and
the summary figures of every customer with money in those currencies, so a
figure is never left at an old rate. Each step is one UPDATE in the database.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC
from decimal import Decimal

from sqlalchemy import ColumnElement, select, union, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import CustomerSummary, Invoice, Order, Payment, Subscription
from crm_tui.services.billing import summary
from crm_tui.services.money import convert, reporting


def payment_value(quote: str) -> ColumnElement[Decimal]:
    """A payment's reporting amount: its amount at the rate of its UTC day."""
    return convert.in_reporting(
        col(Payment.amount), col(Payment.currency), quote, convert.utc_day(col(Payment.paid_at))
    )


def payments(session: Session, currencies: Collection[str] | None = None) -> int:
    """Rewrite the reporting amount of the payments in `currencies` (all when None)."""
    query = update(Payment).values(reporting_amount=payment_value(reporting.currency(session)))
    if currencies is not None:
        query = query.where(col(Payment.currency).in_(sorted(currencies)))
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def one_payment(session: Session, payment: Payment) -> None:
    """Set a payment's reporting amount before it is written (same formula, bound values)."""
    quote = reporting.currency(session)
    day = payment.paid_at.astimezone(UTC).date()
    payment.reporting_amount = session.scalar(
        select(convert.one_amount(payment.amount, payment.currency, quote, day))
    )


def customers_in(currencies: Collection[str]) -> ColumnElement[bool]:
    """Summary rows of customers with a payment, invoice, subscription or order in these."""
    codes = sorted(currencies)
    touched = union(
        select(col(Payment.customer_id)).where(col(Payment.currency).in_(codes)),
        select(col(Invoice.customer_id)).where(col(Invoice.currency).in_(codes)),
        select(col(Subscription.customer_id)).where(col(Subscription.currency).in_(codes)),
        select(col(Order.customer_id)).where(col(Order.currency).in_(codes)),
    )
    return col(CustomerSummary.customer_id).in_(touched)


def currencies(session: Session, codes: Collection[str]) -> None:
    """After a rate of these currencies changed: their payments, then their customers."""
    payments(session, codes)
    summary.refresh_money(session, customers_in(codes))


def everything(session: Session) -> None:
    """After the reporting currency changed: every payment and every summary row."""
    payments(session)
    summary.refresh_money(session)


def for_customers(session: Session, customer_ids: Collection[int]) -> None:
    """After rows were bulk-loaded for these customers (demo): their payments and summaries.
    A range of ids is one BETWEEN (a batch of 2,000 as an IN list cost more to compile).
    No row of theirs is an object in the session, so the ORM is told not to synchronise:
    by default it fetched every updated payment's key back (RETURNING), 10x the UPDATE."""
    if isinstance(customer_ids, range) and customer_ids.step == 1:
        if not customer_ids:
            return
        low, high = customer_ids[0], customer_ids[-1]
        payments_of = col(Payment.customer_id).between(low, high)
        summaries_of = col(CustomerSummary.customer_id).between(low, high)
    else:
        ids = sorted(customer_ids)
        payments_of = col(Payment.customer_id).in_(ids)
        summaries_of = col(CustomerSummary.customer_id).in_(ids)
    quote = reporting.currency(session)
    payments = update(Payment).where(payments_of).values(reporting_amount=payment_value(quote))
    session.execute(payments.execution_options(synchronize_session=False))
    summary.refresh_money(session, summaries_of, loaded=False)
