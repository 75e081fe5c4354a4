"""A customer's default card: any good card can be made it, an expired one never; both engines."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.services.billing.cards import is_expired
from crm_tui.services.billing.inputs import PaymentMethodCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services


def _card(last4: str, year: int, month: int = 12, **extra: object) -> PaymentMethodCreate:
    return PaymentMethodCreate(
        brand="Visa", bin="424242", last4=last4, exp_month=month, exp_year=year,
        holder_name="Ana Lima", **extra,
    )  # fmt: skip


def test_expiry_is_the_end_of_the_month() -> None:
    """12/2026 still pays on 31 December 2026 and not on 1 January 2027."""
    assert not is_expired(12, 2026, date(2026, 12, 31))
    assert is_expired(12, 2026, date(2027, 1, 1))


def test_an_existing_card_becomes_the_default(services: Services) -> None:
    """`make_default_payment_method` moves the default, one card at a time, each change logged."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    first = services.billing.add_payment_method(ana, _card("4242", 2099))
    second = services.billing.add_payment_method(ana, _card("1881", 2098))
    assert (first.is_default, second.is_default) == (True, False)
    services.billing.make_default_payment_method(second.id)
    defaults = {m.last4: m.is_default for m in services.billing.payment_methods(ana)}
    assert defaults == {"4242": False, "1881": True}
    logged = {
        (e.subject, e.field, e.new_value)
        for e in services.history.for_customer(ana)
        if e.entity == "payment_method" and e.action == "update"
    }
    assert logged == {
        ("card Visa •••• 4242", "is_default", "no"),
        ("card Visa •••• 1881", "is_default", "yes"),
    }


def test_an_expired_card_is_never_the_default(services: Services) -> None:
    """Refused when asked; a first card that has expired is kept without becoming the default."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    old = services.billing.add_payment_method(ana, _card("0005", 2020))
    assert not old.is_default
    with pytest.raises(ValidationError, match=r"expired in 12/2020; an expired card cannot"):
        services.billing.make_default_payment_method(old.id)
    with pytest.raises(ValidationError, match="cannot be the default"):
        services.billing.add_payment_method(ana, _card("0006", 2021, is_default=True))
    good = services.billing.add_payment_method(ana, _card("4242", 2099))
    assert good.is_default
    assert [m.last4 for m in services.billing.payment_methods(ana)] == ["4242", "0005"]
