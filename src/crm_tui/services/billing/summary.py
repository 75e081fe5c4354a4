"""The per-customer summary row: recomputed in the transaction that moves it.

Lifetime value is the sum of paid payments; a refunded payment counts for
nothing (it was paid, then given back), so the figure is net of refunds.
Outstanding balance is what issued invoices in the home currency still owe
(HOME_CURRENCY: no figure adds up different currencies; once the business
has a reporting currency and rates, it becomes that currency).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import CustomerSummary, Invoice, Order, Payment, Subscription
from crm_tui.models.enums import (
    OPEN_INVOICE_STATUSES,
    InvoiceKind,
    OrderStatus,
    PaymentStatus,
    SubscriptionStatus,
)
from crm_tui.models.types import Money
from crm_tui.services.common import as_money
from crm_tui.services.errors import ValidationError

ZERO = Decimal("0.00")
# One customer's sums stay below this (a thousand of the largest payments);
# the summary columns (NUMERIC(20,2), or 64-bit cents on SQLite) hold far more.
MAX_CUSTOMER_TOTAL = Decimal("1000000000000000")
MONEY_SUMS = ("lifetime_value", "outstanding_balance", "active_monthly", "order_total")
HOME_CURRENCY = "GBP"  # the app's default currency until a reporting currency exists
SUMMARY_FIGURES = (
    "lifetime_value",
    "outstanding_balance",
    "paid_payments",
    "active_subscriptions",
    "ended_subscriptions",
    "active_monthly",
    "order_count",
    "order_total",
    "last_purchase_at",
)


def payment_figures(
    customer_ids: Sequence[int] | None = None,
) -> Select[tuple[int, Decimal, int, object]]:
    paid = col(Payment.status) == PaymentStatus.PAID
    query = select(
        col(Payment.customer_id),
        func.coalesce(func.sum(case((paid, col(Payment.amount)), else_=None)), 0).label(
            "lifetime_value"
        ),
        func.count(case((paid, 1))).label("paid_payments"),
        func.max(case((paid, col(Payment.paid_at)))).label("last_purchase_at"),
    ).group_by(col(Payment.customer_id))
    if customer_ids is not None:
        query = query.where(col(Payment.customer_id).in_(customer_ids))
    return query


def invoice_figures(customer_ids: Sequence[int] | None = None) -> Select[tuple[int, Decimal]]:
    """What issued invoices in the home currency still owe, per customer."""
    owed: ColumnElement[Decimal] = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
    query: Select[tuple[int, Decimal]] = (
        select(  # type: ignore[assignment]
            col(Invoice.customer_id),
            func.coalesce(func.sum(owed), 0).label("outstanding_balance"),
        )
        .where(
            col(Invoice.kind) == InvoiceKind.INVOICE,
            col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            col(Invoice.currency) == HOME_CURRENCY,
        )
        .group_by(col(Invoice.customer_id))
    )
    if customer_ids is not None:
        query = query.where(col(Invoice.customer_id).in_(customer_ids))
    return query


def subscription_figures(
    customer_ids: Sequence[int] | None = None,
) -> Select[tuple[int, int, int, Decimal]]:
    active = col(Subscription.status) == SubscriptionStatus.ACTIVE
    query = select(
        col(Subscription.customer_id),
        func.count(case((active, 1))).label("active_subscriptions"),
        func.count(case((col(Subscription.status) == SubscriptionStatus.ENDED, 1))).label(
            "ended_subscriptions"
        ),
        func.coalesce(func.sum(case((active, col(Subscription.monthly_amount)))), 0).label(
            "active_monthly"
        ),
    ).group_by(col(Subscription.customer_id))
    if customer_ids is not None:
        query = query.where(col(Subscription.customer_id).in_(customer_ids))
    return query


def order_figures(customer_ids: Sequence[int] | None = None) -> Select[tuple[int, int, Decimal]]:
    counted = col(Order.status).not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED])
    query = select(
        col(Order.customer_id),
        func.count(case((counted, 1))).label("order_count"),
        func.coalesce(func.sum(case((counted, col(Order.total)))), 0).label("order_total"),
    ).group_by(col(Order.customer_id))
    if customer_ids is not None:
        query = query.where(col(Order.customer_id).in_(customer_ids))
    return query


def recount(session: Session, customer_ids: Sequence[int]) -> dict[int, dict[str, object]]:
    """Figures from the source rows for these customers (zeros when they have none)."""
    result: dict[int, dict[str, object]] = {
        cid: {
            "lifetime_value": ZERO,
            "outstanding_balance": ZERO,
            "paid_payments": 0,
            "active_subscriptions": 0,
            "ended_subscriptions": 0,
            "active_monthly": ZERO,
            "order_count": 0,
            "order_total": ZERO,
            "last_purchase_at": None,
        }
        for cid in customer_ids
    }
    for row in session.execute(payment_figures(customer_ids)).mappings():
        result[row["customer_id"]].update(
            lifetime_value=as_money(row["lifetime_value"]),
            paid_payments=row["paid_payments"],
            last_purchase_at=row["last_purchase_at"],
        )
    for row in session.execute(invoice_figures(customer_ids)).mappings():
        result[row["customer_id"]]["outstanding_balance"] = as_money(row["outstanding_balance"])
    for row in session.execute(subscription_figures(customer_ids)).mappings():
        result[row["customer_id"]].update(
            active_subscriptions=row["active_subscriptions"],
            ended_subscriptions=row["ended_subscriptions"],
            active_monthly=as_money(row["active_monthly"]),
        )
    for row in session.execute(order_figures(customer_ids)).mappings():
        result[row["customer_id"]].update(
            order_count=row["order_count"], order_total=as_money(row["order_total"])
        )
    return result


def refresh(session: Session, customer_id: int) -> None:
    """Rewrite one customer's summary row from its payments, subscriptions and orders.

    Refuses (and so rolls back the caller's change) when a sum would pass
    MAX_CUSTOMER_TOTAL, the most the summary columns are meant to hold.
    """
    figures = recount(session, [customer_id])[customer_id]
    for name in MONEY_SUMS:
        value = figures[name]
        if isinstance(value, Decimal) and value > MAX_CUSTOMER_TOTAL:
            raise ValidationError(
                "amount",
                f"This would take the customer's {name.replace('_', ' ')} to {value:,}, "
                f"past {MAX_CUSTOMER_TOTAL:,}, the most one customer's figures hold.",
            )
    updated = session.execute(
        update(CustomerSummary)
        .where(col(CustomerSummary.customer_id) == customer_id)
        .values(**figures)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CustomerSummary.model_validate({"customer_id": customer_id, **figures}))
    session.flush()


def refresh_outstanding(session: Session, customer_ids: Sequence[int]) -> None:
    """Recount only the outstanding balance of these customers, in one UPDATE (billing run)."""
    owed = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
    recount = (
        select(func.coalesce(func.sum(owed), 0))
        .where(
            col(Invoice.customer_id) == col(CustomerSummary.customer_id),
            col(Invoice.kind) == InvoiceKind.INVOICE,
            col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            col(Invoice.currency) == HOME_CURRENCY,
        )
        .scalar_subquery()
    )
    session.execute(
        update(CustomerSummary)
        .where(col(CustomerSummary.customer_id).in_(customer_ids))
        .values(outstanding_balance=recount)
    )
