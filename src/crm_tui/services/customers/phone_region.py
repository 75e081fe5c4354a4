"""Which region a phone typed without its country code is read in.

A clerk types the number the customer says: "912 345 678" for a customer in
Lisbon is a Portuguese number whatever the shop's default region. So a phone
is read in the country of the customer's address (the default billing one
first, then billing, then any), and in the configured default region only
when the customer has no address. Quick add has no address: the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Address
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import parse_phone


def phone_region(countries: Iterable[object], default: str) -> str:
    """The first of `countries` that is a region phonenumbers knows, else `default`."""
    for country in countries:
        code = str(country or "").strip().upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return default


def address_countries(addresses: Iterable[Any]) -> list[object]:
    """The countries of `addresses` (inputs, rows or a form's values): the default billing
    one first, then billing, then the rest, each group in the order given."""

    def get(address: Any, name: str) -> Any:
        return address.get(name) if isinstance(address, Mapping) else getattr(address, name, None)

    def rank(address: Any) -> int:
        if get(address, "is_default_billing"):
            return 0
        return 1 if (get(address, "kind") or "billing") == "billing" else 2

    ranked = sorted(addresses, key=rank)
    return [get(a, "country") for a in ranked if get(a, "country")]


def region_for_new(data: CustomerCreate, default: str) -> str:
    """Where a new customer's phones (its own and its contacts') are read."""
    return phone_region(address_countries(data.addresses), default)


@dataclass
class _Address:
    kind: str | None
    country: str | None
    is_default_billing: bool | None


def region_for_edit(session: Session, customer_id: int, data: CustomerUpdate, default: str) -> str:
    """Where an edit's phones are read: the addresses as they will be after the edit."""
    rows = session.execute(
        select(
            col(Address.id),
            col(Address.kind),
            col(Address.country),
            col(Address.is_default_billing),
        )
        .where(col(Address.customer_id) == customer_id)
        .order_by(col(Address.id))
    ).all()
    removed = set(data.removed_addresses)
    edits = {e.id: e.changes.given() for e in data.address_edits}
    after = []
    for row_id, kind, country, default_billing in rows:
        if row_id is None or row_id in removed:
            continue
        changes = edits.get(row_id, {})
        after.append(
            _Address(
                str(changes.get("kind", kind) or ""),
                str(changes.get("country", country) or ""),
                bool(changes.get("is_default_billing", default_billing)),
            )
        )
    if any(a.is_default_billing for a in data.new_addresses):
        for address in after:
            address.is_default_billing = False
    return phone_region(address_countries([*after, *data.new_addresses]), default)


def needs_region(data: CustomerUpdate) -> bool:
    """Whether an edit types a phone (its own, another of its own or a contact's), so the
    region matters."""
    return bool(
        data.given().get("phone")
        or any(c.phone for c in data.new_contacts)
        or any(e.changes.given().get("phone") for e in data.contact_edits)
        or any(p.kind == "phone" for p in data.new_points)
    )


@dataclass(frozen=True)
class PhoneReading:
    """A phone as a form reads it: E.164, or None while it waits for the address
    (with a warning when the default region cannot read it either)."""

    value: str | None
    warning: str | None = None


def read_phone(
    raw: Any, countries: Sequence[object], default: str, *, address_to_come: bool
) -> PhoneReading:
    """Read a typed phone in the address's country, else `default` (the wizard, as typed).

    While no address has been typed (`address_to_come`), a number without its
    country code is left as typed: it is read in the address's country on
    save (refused then if still wrong). If `default` cannot read it either,
    the form says so, without refusing it.
    """
    region = phone_region(countries, default)
    text = str(raw or "").strip()
    if address_to_come and not countries and text and not text.startswith(("+", "00")):
        try:
            parse_phone(raw, region)
        except ValidationError:
            return PhoneReading(
                None,
                f"Not a {region} number: read in the address's country on save "
                "(or type +country code).",
            )
        return PhoneReading(None)
    return PhoneReading(parse_phone(raw, region))
