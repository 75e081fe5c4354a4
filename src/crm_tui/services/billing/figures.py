"""A customer's figures, computed in the database from the money rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_tui.services.billing import summary
from crm_tui.services.context import ServiceContext

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CustomerFigures:
    """What the Overview tab and `crm show` print."""

    lifetime_value: Decimal
    outstanding_balance: Decimal
    active_monthly: Decimal
    average_subscription_value: Decimal
    active_subscriptions: int
    ended_subscriptions: int
    orders: int
    average_order_value: Decimal
    last_purchase_at: datetime | None


def _ratio(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(Decimal("0.01")) if count else ZERO


class FigureService:
    """Live figures for one customer, recounted by aggregate queries."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def for_customer(self, customer_id: int) -> CustomerFigures:
        with self.ctx.read() as session:
            values = summary.recount(session, [customer_id])[customer_id]
        active = int(values["active_subscriptions"])  # type: ignore[call-overload]
        orders = int(values["order_count"])  # type: ignore[call-overload]
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
            active_subscriptions=active,
            ended_subscriptions=int(values["ended_subscriptions"]),  # type: ignore[call-overload]
            orders=orders,
            average_order_value=_ratio(order_total, orders),
            last_purchase_at=last if isinstance(last, datetime) else None,
        )
