"""The per-customer summary row: recomputed in the transaction that moves it.

Lifetime value is the sum of paid payments; a refunded payment counts for
nothing (it was paid, then given back), so the figure is net of refunds.
Outstanding balance is what issued invoices still owe. Every money figure is
in the reporting currency (services.money): lifetime value sums each paid
payment's stored reporting amount; outstanding converts at the invoice's
issue date, orders at their day, subscriptions at today's rate. An amount
with no rate is left out of the sums (never added as if it were in the
reporting currency) and reported by `crm db check` and the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, type_coerce, update
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
from crm_tui.services.billing.figure_values import fold_figures, zero_figures
from crm_tui.services.errors import ValidationError
from crm_tui.services.money import convert, reporting

# One customer's sums stay below this (a thousand of the largest payments);
# the summary columns (NUMERIC(20,2), or 64-bit cents on SQLite) hold far more.
MAX_CUSTOMER_TOTAL = Decimal("1000000000000000")
MONEY_SUMS = ("lifetime_value", "outstanding_balance", "active_monthly", "order_total")
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
    "oldest_due",
)


def paid_payment() -> ColumnElement[bool]:
    return col(Payment.status) == PaymentStatus.PAID


def open_invoice() -> ColumnElement[bool]:
    return and_(
        col(Invoice.kind) == InvoiceKind.INVOICE,
        col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
    )


def owed_in_reporting(quote: str) -> ColumnElement[Decimal]:
    """What an open invoice still owes, in the reporting currency at its issue date's rate."""
    owed = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
    return convert.in_reporting(owed, col(Invoice.currency), quote, col(Invoice.issue_date))


def _active() -> ColumnElement[bool]:
    return col(Subscription.status) == SubscriptionStatus.ACTIVE


def _monthly(quote: str) -> ColumnElement[Decimal]:
    """A subscription's monthly amount at today's rate (rates never start in the future)."""
    return convert.in_reporting(
        col(Subscription.monthly_amount), col(Subscription.currency), quote, None
    )


def _counted_order() -> ColumnElement[bool]:
    return col(Order.status).not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED])


def _order_value(quote: str) -> ColumnElement[Decimal]:
    return convert.in_reporting(
        col(Order.total), col(Order.currency), quote, convert.utc_day(col(Order.ordered_at))
    )


def payment_figures(
    customer_ids: Sequence[int] | None = None,
) -> Select[tuple[int, Decimal, int, object]]:
    """Lifetime value: paid payments' stored reporting amounts (NULL, no rate: left out)."""
    paid = paid_payment()
    query = select(
        col(Payment.customer_id),
        func.coalesce(func.sum(case((paid, col(Payment.reporting_amount)), else_=None)), 0).label(
            "lifetime_value"
        ),
        func.count(case((paid, 1))).label("paid_payments"),
        func.max(case((paid, col(Payment.paid_at)))).label("last_purchase_at"),
    ).group_by(col(Payment.customer_id))
    if customer_ids is not None:
        query = query.where(col(Payment.customer_id).in_(customer_ids))
    return query


def invoice_figures(
    quote: str, customer_ids: Sequence[int] | None = None
) -> Select[tuple[int, Decimal]]:
    """What issued invoices still owe, per customer, in the reporting currency, and the
    earliest due date among them (days overdue count from it)."""
    query: Select[tuple[int, Decimal]] = (
        select(  # type: ignore[assignment]
            col(Invoice.customer_id),
            func.coalesce(func.sum(owed_in_reporting(quote)), 0).label("outstanding_balance"),
            func.min(col(Invoice.due_date)).label("oldest_due"),
        )
        .where(open_invoice())
        .group_by(col(Invoice.customer_id))
    )
    if customer_ids is not None:
        query = query.where(col(Invoice.customer_id).in_(customer_ids))
    return query


def subscription_figures(
    quote: str, customer_ids: Sequence[int] | None = None
) -> Select[tuple[int, int, int, Decimal]]:
    active = _active()
    query = select(
        col(Subscription.customer_id),
        func.count(case((active, 1))).label("active_subscriptions"),
        func.count(case((col(Subscription.status) == SubscriptionStatus.ENDED, 1))).label(
            "ended_subscriptions"
        ),
        func.coalesce(func.sum(case((active, _monthly(quote)))), 0).label("active_monthly"),
        func.count(case((active, _monthly(quote)))).label("priced_subscriptions"),
    ).group_by(col(Subscription.customer_id))
    if customer_ids is not None:
        query = query.where(col(Subscription.customer_id).in_(customer_ids))
    return query


def order_figures(
    quote: str, customer_ids: Sequence[int] | None = None
) -> Select[tuple[int, int, Decimal]]:
    counted = _counted_order()
    query = select(
        col(Order.customer_id),
        func.count(case((counted, 1))).label("order_count"),
        func.coalesce(func.sum(case((counted, _order_value(quote)))), 0).label("order_total"),
        func.count(case((counted, _order_value(quote)))).label("priced_orders"),
    ).group_by(col(Order.customer_id))
    if customer_ids is not None:
        query = query.where(col(Order.customer_id).in_(customer_ids))
    return query


def money_recount(quote: str) -> dict[str, Any]:
    """The summary's money figures as subqueries on the summary row (bulk UPDATEs).

    The same expressions as the grouped queries above, correlated to
    customer_summary.customer_id instead of grouped.
    """
    owner = col(CustomerSummary.customer_id)

    return {
        "lifetime_value": select(func.coalesce(func.sum(col(Payment.reporting_amount)), 0))
        .where(col(Payment.customer_id) == owner, paid_payment())
        .scalar_subquery(),
        "outstanding_balance": select(func.coalesce(func.sum(owed_in_reporting(quote)), 0))
        .where(col(Invoice.customer_id) == owner, open_invoice())
        .scalar_subquery(),
        "active_monthly": select(func.coalesce(func.sum(_monthly(quote)), 0))
        .where(col(Subscription.customer_id) == owner, _active())
        .scalar_subquery(),
        "order_total": select(func.coalesce(func.sum(_order_value(quote)), 0))
        .where(col(Order.customer_id) == owner, _counted_order())
        .scalar_subquery(),
    }


def recount(
    session: Session, customer_ids: Sequence[int], *, priced: bool = False
) -> dict[int, dict[str, object]]:
    """Figures from the source rows for these customers (zeros when they have none).

    With `priced`, also how many active subscriptions and counted orders have
    a value in the reporting currency (the denominators of the averages).
    """
    quote = reporting.currency(session)
    return fold_figures(
        zero_figures(customer_ids, priced=priced),
        session.execute(payment_figures(customer_ids)).mappings().all(),
        session.execute(invoice_figures(quote, customer_ids)).mappings().all(),
        session.execute(subscription_figures(quote, customer_ids)).mappings().all(),
        session.execute(order_figures(quote, customer_ids)).mappings().all(),
        priced=priced,
    )


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


def oldest_due_recount() -> Any:
    """The earliest due date of an open invoice, correlated to the summary row."""
    return (
        select(func.min(col(Invoice.due_date)))
        .where(col(Invoice.customer_id) == col(CustomerSummary.customer_id), open_invoice())
        .scalar_subquery()
    )


def refresh_outstanding(session: Session, customer_ids: Sequence[int] | Select[Any]) -> None:
    """Recount only the outstanding balance and oldest due date of these customers (ids,
    or a query of them), in one UPDATE (billing run)."""
    recount = money_recount(reporting.currency(session))["outstanding_balance"]
    session.execute(
        update(CustomerSummary)
        .where(col(CustomerSummary.customer_id).in_(customer_ids))
        .values(outstanding_balance=recount, oldest_due=oldest_due_recount())
    )


def refresh_money(
    session: Session, customers: ColumnElement[bool] | None = None, *, loaded: bool = True
) -> None:
    """Recount the money figures of the summary rows `customers` picks (all when None).
    `loaded=False` says the session holds none of those rows as objects (a bulk load):
    the ORM then neither fetches their keys back nor looks for them."""
    query = update(CustomerSummary).values(**money_recount(reporting.currency(session)))
    if customers is not None:
        query = query.where(customers)
    if not loaded:
        query = query.execution_options(synchronize_session=False)
    session.execute(query)
