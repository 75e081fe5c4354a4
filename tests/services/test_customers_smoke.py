"""Customer service basics on both engines."""

from __future__ import annotations

import pytest

from crm_tui.models import parse_number
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import NotFound
from crm_tui.services.registry import Services


def test_create_and_read_back(services: Services) -> None:
    """A created customer reads back with its number, normalised phone and tags."""
    created = services.customers.create(
        CustomerCreate(
            first_name="Ana",
            last_name="Lima",
            email="ana@example.pt",
            phone="+351 912 345 678",
            tags=["VIP"],
        ),
    )
    read = services.customers.get(created.id)
    assert read.number == f"C-{created.id:06d}"
    assert read.phone == "+351912345678"
    assert read.tags == ("VIP",)


def test_resolve_by_number_email_and_phone(services: Services) -> None:
    """resolve() takes a number in any typed form, an e-mail, or a phone written
    nationally without spaces (11 digits: not mistaken for a customer number)."""
    ana = services.customers.create(
        CustomerCreate(first_name="Ana", email="ana@example.co.uk", phone="+44 7911 123456")
    )
    for reference in (ana.number, ana.number.lower(), str(ana.id), "ANA@example.co.uk"):
        assert services.customers.resolve(reference).id == ana.id
    assert services.customers.resolve("07911123456").id == ana.id
    with pytest.raises(NotFound):
        services.customers.resolve("C-0")


def test_parse_number() -> None:
    """Typed customer numbers: C-000123, c123 and 123 are 123; 0 and ids past the
    32-bit column are not numbers."""
    assert [parse_number(t) for t in ("C-000123", "c123", "123", "C123")] == [123] * 4
    assert [parse_number(t) for t in ("0", "C-", "2147483648", "12a", "")] == [None] * 5
    assert parse_number("2147483647") == 2**31 - 1
