"""An order's status follows its payments back: refunding the last paid one refunds it.

An order paid by card and then refunded at the counter must stop counting as
an order (the customer's order count and average order value leave refunded
orders out), so the refund that leaves an order with no paid payment marks
the order refunded, in the same transaction and with its own history line.
A partial refund (another payment of the order still paid) leaves it as is.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Order, Payment
from crm_tui.models.enums import OrderStatus, PaymentStatus
from crm_tui.services.customers import child_rows


def after_refund(session: Session, payment: Payment, actor: str) -> None:
    """Mark `payment`'s order refunded when none of its payments is paid any more."""
    if payment.order_id is None:
        return
    order = session.get(Order, payment.order_id)
    if order is None or order.status == OrderStatus.REFUNDED:
        return
    still_paid = session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(col(Payment.order_id) == order.id, col(Payment.status) == PaymentStatus.PAID)
    )
    if still_paid:
        return
    child_rows.apply_changes(
        session,
        order,
        {"status": OrderStatus.REFUNDED.value},
        entity="order",
        actor=actor,
        expected_version=None,
    )
