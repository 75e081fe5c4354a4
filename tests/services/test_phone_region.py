"""A phone typed without its country code is read in the customer's address country, on both engines."""

from __future__ import annotations

import pytest

from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressEdit,
    AddressUpdate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
)
from crm_tui.services.customers.phone_region import address_countries, phone_region, read_phone
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services

LISBON = AddressCreate(line1="Rua Augusta 1", city="Lisboa", country="PT")


def test_region_order() -> None:
    """The default billing address's country first, then billing, then shipping; else the default."""
    shipping = AddressCreate(kind="shipping", line1="a", city="b", country="FR")
    billing = AddressCreate(line1="a", city="b", country="ES")
    default = {"kind": "billing", "country": "pt", "is_default_billing": True}
    assert address_countries([shipping, billing]) == ["ES", "FR"]
    assert phone_region(address_countries([shipping, billing, default]), "GB") == "PT"
    assert phone_region(["", "XX"], "GB") == "GB"


def test_new_customer_phone_in_its_address_country(services: Services) -> None:
    """A national number is read in the address's country; without an address, the default."""
    lisbon = services.customers.create(
        CustomerCreate(first_name="Rui", phone="912 345 678", addresses=[LISBON])
    )
    assert lisbon.phone == "+351912345678"
    london = services.customers.create(CustomerCreate(first_name="Ann", phone="07911 123456"))
    assert london.phone == "+447911123456"
    with pytest.raises(ValidationError, match="not a valid number"):
        services.customers.create(CustomerCreate(first_name="Eve", phone="912 345 678"))


def test_contacts_of_a_business_too(services: Services) -> None:
    """A business's contacts are read in its address country as well."""
    acme = services.customers.create(
        CustomerCreate(
            kind="business",
            company_name="Acme Lda",
            addresses=[LISBON],
            contacts=[ContactCreate(first_name="Rita", phone="213 456 789")],
        )
    )
    [rita] = services.contacts.list(acme.id)
    assert rita.phone == "+351213456789"


def test_edit_reads_the_addresses_as_the_edit_leaves_them(services: Services) -> None:
    """A stored Lisbon address applies to a new phone; one changed to Madrid in the same edit, Spain."""
    rui = services.customers.create(CustomerCreate(first_name="Rui", addresses=[LISBON]))
    rui = services.customers.update(
        rui.id, CustomerUpdate(phone="912 345 678"), expected_version=rui.version
    )
    assert rui.phone == "+351912345678"
    [address] = services.addresses.list(rui.id)
    to_madrid = AddressEdit(id=address.id, changes=AddressUpdate(city="Madrid", country="ES"))
    rui = services.customers.update(
        rui.id,
        CustomerUpdate(phone="612 345 678", address_edits=[to_madrid]),
        expected_version=rui.version,
    )
    assert rui.phone == "+34612345678"


def test_read_phone_waits_for_the_address() -> None:
    """With no address typed yet, a national number is kept as typed (warned if the default
    cannot read it); with a + or an address, it is read at once."""
    waiting = read_phone("912 345 678", [], "GB", address_to_come=True)
    assert waiting.value is None and waiting.warning is not None
    assert "read in the address's country on save" in waiting.warning
    assert read_phone("07911 123456", [], "GB", address_to_come=True).warning is None
    assert read_phone("912 345 678", ["PT"], "GB", address_to_come=False).value == "+351912345678"
    assert read_phone("+351 912 345 678", [], "GB", address_to_come=True).value == "+351912345678"
    with pytest.raises(ValidationError):
        read_phone("912 345 678", [], "GB", address_to_come=False)
