"""A customer's figures, computed in the database from the money rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Invoice, Payment
from crm_tui.models.types import Money
from crm_tui.services.billing import summary
from crm_tui.services.common import as_money
from crm_tui.services.context import ServiceContext
from crm_tui.services.money import reporting

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CurrencyLine:
    """One currency's part of a customer's money, beside its reporting-currency value."""

    currency: str
    paid: Decimal  # paid payments in this currency, net of refunds
    paid_in_reporting: Decimal  # the same at each payment's day's rate (unpriced left out)
    unpriced_payments: int  # paid payments with no rate for their day
    owed: Decimal  # what open invoices in this currency still owe
    owed_in_reporting: Decimal | None  # None: some of it has no rate for its issue date


@dataclass(frozen=True)
class CustomerFigures:
    """What the Overview tab and `crm show` print.

    Money figures are in `currency`, the reporting currency; `by_currency`
    breaks them down by the currency the money came in.
    """

    lifetime_value: Decimal
    outstanding_balance: Decimal
    active_monthly: Decimal
    average_subscription_value: Decimal
    active_subscriptions: int
    ended_subscriptions: int
    orders: int
    average_order_value: Decimal
    last_purchase_at: datetime | None
    currency: str = "GBP"
    by_currency: tuple[CurrencyLine, ...] = ()


def _ratio(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(Decimal("0.01")) if count else ZERO


class FigureService:
    """Live figures for one customer, recounted by aggregate queries."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def for_customer(self, customer_id: int) -> CustomerFigures:
        with self.ctx.read() as session:
            values = summary.recount(session, [customer_id], priced=True)[customer_id]
            lines = currency_lines(session, customer_id, reporting.currency(session))
        # Averages divide by what has a value in the reporting currency.
        active = int(values["priced_subscriptions"])  # type: ignore[call-overload]
        orders = int(values["priced_orders"])  # type: ignore[call-overload]
        monthly = values["active_monthly"]
        order_total = values["order_total"]
        assert isinstance(monthly, Decimal) and isinstance(order_total, Decimal)
        lifetime = values["lifetime_value"]
        outstanding = values["outstanding_balance"]
        assert isinstance(lifetime, Decimal) and isinstance(outstanding, Decimal)
        last = values["last_purchase_at"]
        return CustomerFigures(
            lifetime_value=lifetime,
            outstanding_balance=outstanding,
            active_monthly=monthly,
            average_subscription_value=_ratio(monthly, active),
            active_subscriptions=int(values["active_subscriptions"]),  # type: ignore[call-overload]
            ended_subscriptions=int(values["ended_subscriptions"]),  # type: ignore[call-overload]
            orders=int(values["order_count"]),  # type: ignore[call-overload]
            average_order_value=_ratio(order_total, orders),
            last_purchase_at=last if isinstance(last, datetime) else None,
            currency=self.ctx.reporting_currency,
            by_currency=lines,
        )


def currency_lines(session: Session, customer_id: int, quote: str) -> tuple[CurrencyLine, ...]:
    """Paid and owed per currency, each with its reporting value: two grouped queries."""
    paid = summary.paid_payment()
    payments = session.execute(
        select(
            col(Payment.currency),
            func.coalesce(func.sum(col(Payment.amount)), 0),
            func.coalesce(func.sum(col(Payment.reporting_amount)), 0),
            func.count(case((col(Payment.reporting_amount).is_(None), 1))),
        )
        .where(col(Payment.customer_id) == customer_id, paid)
        .group_by(col(Payment.currency))
    ).all()
    owed = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
    in_reporting = summary.owed_in_reporting(quote)
    invoices = session.execute(
        select(
            col(Invoice.currency),
            func.coalesce(func.sum(owed), 0),
            func.sum(in_reporting),
            func.count(case((in_reporting.is_(None), 1))),
        )
        .where(col(Invoice.customer_id) == customer_id, summary.open_invoice())
        .group_by(col(Invoice.currency))
    ).all()
    lines: dict[str, dict[str, object]] = {}
    for code, amount, converted, unpriced in payments:
        lines.setdefault(code, {}).update(
            paid=as_money(amount), paid_in_reporting=as_money(converted), unpriced_payments=unpriced
        )
    for code, amount, converted, unpriced in invoices:
        lines.setdefault(code, {}).update(
            owed=as_money(amount),
            owed_in_reporting=None if unpriced else as_money(converted or 0),
        )
    return tuple(
        CurrencyLine(
            currency=code,
            paid=_money(found, "paid"),
            paid_in_reporting=_money(found, "paid_in_reporting"),
            unpriced_payments=int(found.get("unpriced_payments", 0)),  # type: ignore[call-overload]
            owed=_money(found, "owed"),
            owed_in_reporting=(
                _money(found, "owed_in_reporting")
                if "owed" not in found
                else found["owed_in_reporting"]  # type: ignore[arg-type]
            ),
        )
        for code, found in sorted(lines.items(), key=lambda item: (item[0] != quote, item[0]))
    )


def _money(found: dict[str, object], key: str) -> Decimal:
    value = found.get(key)
    return value if isinstance(value, Decimal) else ZERO
