"""Every number and date a clerk types has a range, checked in the service (issue 18, hole 7).

Before, `1e309` raised a raw decimal.InvalidOperation, loyalty points of
2^31 / 2^63, a quantity of 10^12 and an expiry year of 10^12 overflowed the
columns with tracebacks, and payment dates 0001-01-01 and 9999-12-31 were
stored. Each is now one sentence naming the range, and nothing is written.
"""

from __future__ import annotations

import pytest

from benchmarks.reliability.adversarial.inputs import CARD_FIELDS, NUMERIC_INPUTS
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
)
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services

CARD = CARD_FIELDS


@pytest.mark.parametrize("name", sorted(NUMERIC_INPUTS))
def test_out_of_range_input_is_refused_with_one_sentence(services: Services, name: str) -> None:
    """A ValidationError naming the field, not a crash; the customer's rows are unchanged."""
    cid = services.customers.create(CustomerCreate(first_name="Big", last_name="Spender")).id
    before = services.billing.payments(cid), services.billing.orders(cid)
    with pytest.raises(ValidationError) as refused:
        NUMERIC_INPUTS[name](services, cid)
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
