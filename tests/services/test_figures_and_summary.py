"""Figures computed in the database, and the stored summary kept in step with every write."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer, CustomerSummary, Payment
from crm_tui.services.billing import summary
from crm_tui.services.billing.figures import CustomerFigures
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services

D = Decimal


def stored_and_recounted(
    services: Services,
) -> tuple[dict[int, dict[str, object]], dict[int, dict[str, object]]]:
    """Every customer's stored summary row next to a fresh recount from the money rows."""
    with services.ctx.read() as session:
        ids = list(session.scalars(select(col(Customer.id)).order_by(col(Customer.id))))
        stored: dict[int, dict[str, object]] = {}
        for row in session.scalars(select(CustomerSummary)):
            stored[row.customer_id] = {f: getattr(row, f) for f in summary.SUMMARY_FIGURES}
        fresh = summary.recount(session, [i for i in ids if i is not None])
    return stored, fresh


def assert_in_step(services: Services) -> None:
    """The customer_summary row of every customer equals summary.recount."""
    stored, fresh = stored_and_recounted(services)
    assert stored == fresh


def assert_money(value: object) -> None:
    assert isinstance(value, Decimal), repr(value)
    assert value.as_tuple().exponent == -2, repr(value)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def customer_id(services: Services) -> int:
    created = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt"))
    services.customers.create(CustomerCreate(first_name="Bystander", email="by@example.pt"))
    return created.id


def test_new_customer_has_zero_summary(services: Services, customer_id: int) -> None:
    """A new customer has a summary row of zeros, equal to the recount."""
    figures = services.figures.for_customer(customer_id)
    assert figures == CustomerFigures(
        lifetime_value=D("0.00"),
        outstanding_balance=D("0.00"),
        active_monthly=D("0.00"),
        average_subscription_value=D("0.00"),
        active_subscriptions=0,
        ended_subscriptions=0,
        orders=0,
        average_order_value=D("0.00"),
        last_purchase_at=None,
    )
    assert_in_step(services)


def test_figures_and_summary_follow_every_kind_of_write(
    services: Services, customer_id: int
) -> None:
    """Each payment, subscription and order write keeps the summary equal to the recount."""
    billing = services.billing
    cid = customer_id

    # Subscriptions: two active, one to end, one paused.
    router = billing.add_subscription(
        cid, SubscriptionCreate(product="Router", monthly_amount="29.99", start_date="2024-01-01")
    )
    assert_in_step(services)
    tv = billing.add_subscription(
        cid, SubscriptionCreate(product="TV", monthly_amount="10.01", start_date="2024-01-15")
    )
    old = billing.add_subscription(
        cid, SubscriptionCreate(product="Phone", monthly_amount="15.00", start_date="2023-01-01")
    )
    billing.add_subscription(
        cid,
        SubscriptionCreate(
            product="Music", monthly_amount="5.00", start_date="2024-02-01", status="paused"
        ),
    )
    assert old.id is not None and router.id is not None and tv.id is not None
    billing.end_subscription(old.id, on=date(2024, 1, 31))
    assert_in_step(services)
    billing.update_subscription(tv.id, SubscriptionUpdate(monthly_amount="10.00"))
    assert_in_step(services)

    # Payments: paid, refunded, pending, failed.
    early = billing.record_payment(cid, PaymentCreate(amount="20.00", paid_at=at("2024-02-01")))
    billing.record_payment(cid, PaymentCreate(amount="100.00", paid_at=at("2024-03-01")))
    billing.record_payment(cid, PaymentCreate(amount="50.50", paid_at=at("2024-04-01")))
    assert_in_step(services)
    assert early.id is not None
    billing.refund(early.id)
    assert_in_step(services)
    billing.record_payment(cid, PaymentCreate(amount="20.00", status="pending"))
    failed = billing.record_payment(cid, PaymentCreate(amount="5.25", status="failed"))
    assert_in_step(services)

    # Invoices: what issued ones still owe is the outstanding balance (the
    # 150.50 of paid payments settle the first 150.50 invoiced).
    draft = services.invoices.create_draft(cid, [LineInput("Setup", "175.75")])
    services.invoices.issue(draft.id, on=date(2024, 4, 2))
    assert_in_step(services)

    # Orders: two counted, one cancelled.
    billing.add_order(
        cid,
        OrderCreate(
            items=[OrderItemCreate(description="Cable", quantity=2, unit_price="10.00")],
            ordered_at="2024-01-02",
        ),
    )
    billing.add_order(
        cid,
        OrderCreate(
            items=[OrderItemCreate(description="Adapter", unit_price="15.00")],
            ordered_at="2024-01-03",
        ),
    )
    billing.add_order(
        cid,
        OrderCreate(
            items=[OrderItemCreate(description="Returned", unit_price="99.99")], status="cancelled"
        ),
    )
    assert_in_step(services)

    figures = services.figures.for_customer(cid)
    assert figures.lifetime_value == D("150.50")  # 100.00 + 50.50; the 20.00 was refunded
    assert figures.outstanding_balance == D("25.25")  # 175.75 invoiced - 150.50 paid
    assert figures.active_monthly == D("39.99")  # 29.99 + 10.00; ended and paused excluded
    assert figures.active_subscriptions == 2
    assert figures.ended_subscriptions == 1
    assert figures.average_subscription_value == D("20.00")  # 39.99 / 2, rounded
    assert figures.orders == 2
    assert figures.average_order_value == D("17.50")  # (20.00 + 15.00) / 2
    assert figures.last_purchase_at == at("2024-04-01")
    for name in (
        "lifetime_value",
        "outstanding_balance",
        "active_monthly",
        "average_subscription_value",
        "average_order_value",
    ):
        assert_money(getattr(figures, name))

    # A failed payment later paid counts in lifetime value and settles the invoice.
    assert failed.id is not None
    billing.mark_paid(failed.id)
    assert_in_step(services)
    after = services.figures.for_customer(cid)
    assert (after.lifetime_value, after.outstanding_balance) == (D("155.75"), D("20.00"))
    assert after.last_purchase_at is not None and after.last_purchase_at > at("2024-04-01")

    # The summary the list sorts by holds the same numbers.
    stored, _fresh = stored_and_recounted(services)
    assert stored[cid]["lifetime_value"] == D("155.75")
    assert stored[cid]["active_subscriptions"] == 2
    assert stored[cid]["order_count"] == 2

    # Non-money writes leave it in step too.
    services.customers.deactivate(cid)
    services.customers.set_tags(cid, ["VIP"])
    assert_in_step(services)


def test_other_customers_figures_are_untouched(services: Services, customer_id: int) -> None:
    """Payments of one customer never move another customer's summary."""
    other = services.customers.resolve("by@example.pt").id
    services.billing.record_payment(customer_id, PaymentCreate(amount="12.34"))
    services.billing.add_subscription(
        customer_id,
        SubscriptionCreate(product="Router", monthly_amount="9.99", start_date="2024-01-01"),
    )
    assert services.figures.for_customer(other).lifetime_value == D("0.00")
    stored, _ = stored_and_recounted(services)
    assert stored[other]["lifetime_value"] == D("0.00")
    assert stored[other]["active_subscriptions"] == 0
    assert_in_step(services)


def test_last_purchase_ignores_a_refunded_latest_payment(
    services: Services, customer_id: int
) -> None:
    """When the latest paid payment is refunded, last purchase falls back to the one before."""
    services.billing.record_payment(
        customer_id, PaymentCreate(amount="10.00", paid_at=at("2024-01-10"))
    )
    latest = services.billing.record_payment(
        customer_id, PaymentCreate(amount="10.00", paid_at=at("2024-06-10"))
    )
    assert services.figures.for_customer(customer_id).last_purchase_at == at("2024-06-10")
    assert latest.id is not None
    services.billing.refund(latest.id)
    assert services.figures.for_customer(customer_id).last_purchase_at == at("2024-01-10")
    assert_in_step(services)


def test_money_sums_stay_exact_decimal(services: Services, customer_id: int) -> None:
    """1000 x 0.10 plus 1000 x 0.20 is exactly 300.00, not a binary-float near miss."""
    assert sum([0.1] * 1000 + [0.2] * 1000) != 300.0  # what floats would have given
    with services.ctx.write() as session:
        for i in range(1999):
            amount = D("0.10") if i < 1000 else D("0.20")
            session.add(
                Payment(
                    customer_id=customer_id,
                    amount=amount,
                    reporting_amount=amount,  # in GBP, the reporting currency
                    paid_at=at("2024-01-01"),
                )
            )
    # The last one goes through the service, which recounts the summary in its transaction.
    services.billing.record_payment(
        customer_id, PaymentCreate(amount="0.20", paid_at=at("2024-01-02"))
    )
    figures = services.figures.for_customer(customer_id)
    assert figures.lifetime_value == D("300.00")
    assert str(figures.lifetime_value) == "300.00"
    stored, _ = stored_and_recounted(services)
    assert stored[customer_id]["lifetime_value"] == D("300.00")
    assert stored[customer_id]["paid_payments"] == 2000
    assert_money(stored[customer_id]["lifetime_value"])
    assert_in_step(services)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(0.1, "0.10"), ("0.20", "0.20"), ("1,234.50", "1234.50"), (D("19.99"), "19.99"), (7, "7.00")],
)
def test_amounts_are_kept_exactly_as_typed(
    services: Services, customer_id: int, typed: object, kept: str
) -> None:
    """Floats, strings, Decimals and ints all come back as the exact two-place Decimal."""
    payment = services.billing.record_payment(customer_id, PaymentCreate(amount=typed))
    (read,) = services.billing.payments(customer_id)
    assert read.id == payment.id
    assert_money(read.amount)
    assert str(read.amount) == kept
