"""Customer service basics on both engines."""

from __future__ import annotations

from crm_tui.services.customers.inputs import CustomerCreate
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
