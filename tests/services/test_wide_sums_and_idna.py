"""Sums that fit and e-mails that match however their domain is spelled (issue 18, 7 and 9).

On PostgreSQL one payment of 999,999,999,999.99 filled the NUMERIC(14,2)
summary and every later payment failed with "numeric field overflow".
`ann@bücher.example` and `ann@xn--bcher-kva.example` became two customers.
Migration 0004 widens the sums and rekeys stored xn-- addresses; it is
tested on a database built at 0003 with rows in it, on both engines.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import DuplicateEmail, ValidationError
from crm_tui.services.registry import Services


def test_largest_payments_add_up(services: Services) -> None:
    """Three of the largest payments and a small one: the lifetime value holds the sum."""
    cid = services.customers.create(CustomerCreate(first_name="Rich")).id
    for _ in range(3):
        services.billing.record_payment(cid, PaymentCreate(amount="999999999999.99"))
    services.billing.record_payment(cid, PaymentCreate(amount="0.04"))
    assert services.figures.for_customer(cid).lifetime_value == Decimal("3000000000000.01")


def test_a_customer_past_the_summary_limit_is_refused(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payment that would pass the limit is refused with a sentence; the others stay.

    The real limit (10^15) takes a thousand of the largest payments to reach;
    the rule is the same at 100.
    """
    from crm_tui.services.billing import summary

    monkeypatch.setattr(summary, "MAX_CUSTOMER_TOTAL", Decimal("100"))
    cid = services.customers.create(CustomerCreate(first_name="Richer")).id
    services.billing.record_payment(cid, PaymentCreate(amount="99.99"))
    with pytest.raises(ValidationError) as refused:
        services.billing.record_payment(cid, PaymentCreate(amount="0.02"))
    assert "the most one customer's figures hold" in refused.value.message
    assert len(services.billing.payments(cid)) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ann@bücher.example", "ann@xn--bcher-kva.example"),
        ("bo@XN--BCHER-KVA.example", "bo@BÜCHER.example"),
        ("cy@münchen.de", "cy@xn--mnchen-3ya.de"),
    ],
)
def test_idna_spellings_of_one_email_are_one_customer(
    services: Services, first: str, second: str
) -> None:
    """The second spelling is a duplicate of the first, and finds it."""
    cid = services.customers.create(CustomerCreate(first_name="Idna", email=first)).id
    with pytest.raises(DuplicateEmail):
        services.customers.create(CustomerCreate(first_name="Idna", email=second))
    assert services.customers.resolve(second).id == cid


def test_migration_0004_rekeys_and_widens(empty_db_url: str, db_url: str) -> None:
    """A database at 0003 with an xn-- customer and a big sum: both correct after 0004."""
    url = empty_db_url if db_url.startswith("sqlite") else db_url
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        migrate.downgrade(engine, "0003")
    else:
        migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO customer (id, kind, status, first_name, email, email_key, loyalty_points, "
            "contact_channels, sort_name, created_at, updated_at, version) VALUES "
            "(1, 'individual', 'active', 'Ann', 'ann@xn--bcher-kva.example', "
            "'ann@xn--bcher-kva.example', 0, '', 'ann', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        ))  # fmt: skip
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT email_key FROM customer WHERE id = 1")) == (
            "ann@bücher.example"
        )
        if engine.dialect.name == "postgresql":
            precision = conn.scalar(text(
                "SELECT numeric_precision FROM information_schema.columns "
                "WHERE table_name = 'customer_summary' AND column_name = 'lifetime_value'"
            ))  # fmt: skip
            assert precision == 20
    engine.dispose()
