"""Every number and date a clerk types has a range, checked in the service (issue 18, hole 7).

Before, `1e309` raised a raw decimal.InvalidOperation, loyalty points of
2^31 / 2^63, a quantity of 10^12 and an expiry year of 10^12 overflowed the
columns with tracebacks, and payment dates 0001-01-01 and 9999-12-31 were
stored. Each is now one sentence naming the range, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import CustomerCreate, NoteCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services

CARD = {"brand": "Visa", "bin": "411111", "last4": "1111", "exp_month": 1, "holder_name": "A B"}


def inputs(s: Services, cid: int) -> dict[str, Callable[[], object]]:
    pay = s.billing.record_payment
    return {
        "amount 1e309": lambda: pay(cid, PaymentCreate(amount="1e309")),
        "amount -1e309": lambda: pay(cid, PaymentCreate(amount="-1e309")),
        "amount NaN": lambda: pay(cid, PaymentCreate(amount="NaN")),
        "amount sNaN": lambda: pay(cid, PaymentCreate(amount="sNaN")),
        "amount Infinity": lambda: pay(cid, PaymentCreate(amount="Infinity")),
        "amount 10^12": lambda: pay(cid, PaymentCreate(amount="1000000000000")),
        "amount 1e-9": lambda: pay(cid, PaymentCreate(amount="1e-9")),
        "paid 0001-01-01": lambda: pay(cid, PaymentCreate(amount="1", paid_at="0001-01-01")),
        "paid 9999-12-31": lambda: pay(cid, PaymentCreate(amount="1", paid_at="9999-12-31")),
        "loyalty 2^31": lambda: s.customers.create(CustomerCreate(first_name="L", loyalty_points=2**31)),
        "loyalty 2^63": lambda: s.customers.create(CustomerCreate(first_name="L", loyalty_points=str(2**63))),
        "loyalty 10^23": lambda: s.customers.create(CustomerCreate(first_name="L", loyalty_points="1" + "0" * 23)),
        "quantity 10^12": lambda: s.billing.add_order(cid, OrderCreate(items=[OrderItemCreate(description="Cable", quantity=10**12, unit_price="1")])),
        "order total 10^15": lambda: s.billing.add_order(cid, OrderCreate(items=[OrderItemCreate(description="Gold", quantity=1000, unit_price="999999999999.99")])),
        "expiry year 10^12": lambda: s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD, exp_year=10**12)),
        "expiry year 1999": lambda: s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD, exp_year=1999)),
        "subscription start 0001-01-01": lambda: s.billing.add_subscription(
            cid, SubscriptionCreate(product="R", monthly_amount="1", start_date="0001-01-01")),
        "birth 9999-12-31": lambda: s.customers.create(CustomerCreate(first_name="B", date_of_birth="9999-12-31")),
        "follow-up 9999-12-31": lambda: s.notes.add(cid, NoteCreate(title="Call", follow_up_on="9999-12-31")),
        "payment link 2^40": lambda: pay(cid, PaymentCreate(amount="1", order_id=2**40)),
    }  # fmt: skip


NAMES = [
    "amount 1e309", "amount -1e309", "amount NaN", "amount sNaN", "amount Infinity",
    "amount 10^12", "amount 1e-9", "paid 0001-01-01", "paid 9999-12-31", "loyalty 2^31",
    "loyalty 2^63", "loyalty 10^23", "quantity 10^12", "order total 10^15",
    "expiry year 10^12", "expiry year 1999", "subscription start 0001-01-01",
    "birth 9999-12-31", "follow-up 9999-12-31", "payment link 2^40",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_out_of_range_input_is_refused_with_one_sentence(services: Services, name: str) -> None:
    """A ValidationError naming the field, not a crash; the customer's rows are unchanged."""
    cid = services.customers.create(CustomerCreate(first_name="Big", last_name="Spender")).id
    before = services.billing.payments(cid), services.billing.orders(cid)
    attempts = inputs(services, cid)
    assert sorted(attempts) == sorted(NAMES)
    with pytest.raises(ValidationError) as refused:
        attempts[name]()
    assert refused.value.message.endswith(".") and "\n" not in refused.value.message
    assert (services.billing.payments(cid), services.billing.orders(cid)) == before


def test_edges_of_the_ranges_are_accepted(services: Services) -> None:
    """The largest amount, the first and last dates and the largest counts are stored."""
    s = services
    cid = s.customers.create(CustomerCreate(first_name="Edge", loyalty_points=1_000_000_000)).id
    s.billing.record_payment(cid, PaymentCreate(amount="999999999999.99", paid_at="1900-01-01"))
    s.billing.record_payment(cid, PaymentCreate(amount="0.01", paid_at="2199-12-31"))
    s.billing.add_order(
        cid,
        OrderCreate(
            items=[OrderItemCreate(description="Bolt", quantity=1_000_000, unit_price="0.01")]
        ),
    )
    s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD, exp_year=2099))
    s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD, exp_year=27))
    assert sorted(m.exp_year for m in s.billing.payment_methods(cid)) == [2027, 2099]
