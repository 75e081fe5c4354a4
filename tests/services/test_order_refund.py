"""Refunding an order's payment refunds the order once none of its payments is paid, on both engines."""

from __future__ import annotations

from decimal import Decimal

from crm_tui.services.billing.inputs import OrderCreate, OrderItemCreate, PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services


def _order(services: Services, customer_id: int, total: str) -> int:
    order = services.billing.add_order(
        customer_id,
        OrderCreate(items=[OrderItemCreate(description="Boots", quantity=1, unit_price=total)]),
    )
    return order.id


def _pay(services: Services, customer_id: int, order_id: int, amount: str) -> int:
    paid = services.billing.record_payment(
        customer_id, PaymentCreate(amount=amount, order_id=order_id)
    )
    return paid.id


def test_refund_of_the_only_payment_refunds_the_order(services: Services) -> None:
    """The order becomes refunded, leaves the order figures, and History says so."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    boots = _order(services, ana, "80.00")
    payment = _pay(services, ana, boots, "80.00")
    assert services.figures.for_customer(ana).orders == 1
    services.billing.refund(payment)
    [order] = services.billing.orders(ana)
    assert order.status == "refunded"
    figures = services.figures.for_customer(ana)
    assert figures.orders == 0 and figures.lifetime_value == Decimal("0.00")
    changes = [(e.entity, e.field, e.new_value) for e in services.history.for_customer(ana)]
    assert ("order", "status", "refunded") in changes


def test_partial_refund_leaves_the_order(services: Services) -> None:
    """With another payment of the order still paid, the order keeps its status until that
    one is refunded too; other orders are untouched."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    boots, hat = _order(services, ana, "80.00"), _order(services, ana, "20.00")
    first, second = _pay(services, ana, boots, "50.00"), _pay(services, ana, boots, "30.00")
    _pay(services, ana, hat, "20.00")
    services.billing.refund(first)
    assert {o.id: o.status for o in services.billing.orders(ana)} == {boots: "paid", hat: "paid"}
    services.billing.refund(second)
    assert {o.id: o.status for o in services.billing.orders(ana)} == {
        boots: "refunded",
        hat: "paid",
    }
