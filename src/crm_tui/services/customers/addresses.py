"""A customer's billing and shipping addresses; at most one default billing."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Address
from crm_tui.models.enums import AddressKind
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.inputs import AddressCreate, AddressUpdate
from crm_tui.services.customers.statements import addresses_of
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text, parse_choice

FIELDS = (
    "kind",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "is_default_billing",
)
_FIELD_SET = frozenset(FIELDS)
_KINDS = [kind.value for kind in AddressKind]  # an import checks one a row (1.7 us to list)
_OPTIONAL = frozenset({"line2", "region", "postal_code"})  # clean_text(None) is None for these


@dataclass(frozen=True)
class AddressRead:
    """A stored address as callers see it: plain values, safe after the session closes."""

    id: int
    customer_id: int
    kind: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str
    is_default_billing: bool
    created_at: datetime
    version: int


def clean_address(raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    unknown = raw.keys() - _FIELD_SET
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown address field {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if value is None and field in _OPTIONAL:  # what clean_text gives, without asking it
            out[field] = None
        elif field == "kind":
            # A kind written as it is stored is itself (an import's every address).
            plain = type(value) is str and value in _KINDS
            out[field] = value if plain else parse_choice(value, field, _KINDS)
        elif field == "country":
            code = (clean_text(field, value, required=True, max_len=2) or "").upper()
            if code not in phonenumbers.SUPPORTED_REGIONS:
                raise ValidationError(
                    field, f"The country {code!r} is not an ISO code; use e.g. GB, PT, US."
                )
            out[field] = code
        elif field == "is_default_billing":
            out[field] = bool(value)
        else:
            out[field] = clean_text(field, value, required=field in ("line1", "city"), max_len=200)
    if not partial:
        for field in ("line1", "city"):
            if not out.get(field):
                raise ValidationError(
                    field, f"The {field.replace('line1', 'first address line')} is required."
                )
    return out


def new_address_values(data: AddressCreate, region: str) -> dict[str, Any]:
    """A new address checked, with kind (billing) and country (`region`) filled in."""
    return clean_address({"kind": "billing", "country": region, **data.given()})


def insert_address(
    session: Session, *, actor: str, customer_id: int, values: dict[str, Any]
) -> Address:
    """Add checked `values`; the first billing address becomes the default billing."""
    has_default = session.scalar(
        select(col(Address.id)).where(
            col(Address.customer_id) == customer_id, col(Address.is_default_billing)
        )
    )
    if values["kind"] == AddressKind.BILLING and has_default is None:
        values["is_default_billing"] = True
    if values.get("is_default_billing"):
        _refuse_default_unless_billing(values["kind"])
        _clear_default(session, customer_id)
    address = Address(customer_id=customer_id, **values)
    session.add(address)
    child_rows.record_create(session, address, "address", actor, values)
    return address


def change_address(
    session: Session,
    address: Address,
    *,
    actor: str,
    cleaned: dict[str, Any],
    expected_version: int | None,
) -> None:
    """Apply checked changes; making one the default billing unmarks the previous one."""
    kind = cleaned.get("kind", address.kind)
    if cleaned.get("is_default_billing") and not address.is_default_billing:
        _refuse_default_unless_billing(kind)
        _clear_default(session, address.customer_id)
    if kind != AddressKind.BILLING:
        cleaned["is_default_billing"] = False
    child_rows.apply_changes(
        session,
        address,
        cleaned,
        entity="address",
        actor=actor,
        expected_version=expected_version,
    )


def delete_address(session: Session, address: Address, *, actor: str) -> None:
    summary = ", ".join(p for p in (address.line1, address.city, address.country) if p)
    child_rows.record_delete(session, address, "address", actor, summary)


def _refuse_default_unless_billing(kind: str) -> None:
    if kind != AddressKind.BILLING:
        raise ValidationError(
            "is_default_billing", "Only a billing address can be the default billing address."
        )


def _clear_default(session: Session, customer_id: int) -> None:
    session.execute(
        update(Address)
        .where(col(Address.customer_id) == customer_id, col(Address.is_default_billing))
        .values(is_default_billing=False)
    )


class AddressService:
    """Add, edit and remove addresses, keeping one default billing address."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, customer_id: int) -> builtins.list[AddressRead]:
        with self.ctx.read() as session:
            rows = session.scalars(addresses_of(customer_id))
            return [child_rows.read_of(AddressRead, row) for row in rows]

    def add(self, customer_id: int, data: AddressCreate) -> AddressRead:
        values = new_address_values(data, self.ctx.default_region)
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            address = insert_address(
                session, actor=self.ctx.actor, customer_id=customer_id, values=values
            )
            return child_rows.read_of(AddressRead, address)

    def update(
        self, address_id: int, changes: AddressUpdate, *, expected_version: int | None = None
    ) -> AddressRead:
        cleaned = clean_address(changes.given(), partial=True)
        with self.ctx.write() as session:
            address = child_rows.load_child(session, Address, address_id)
            child_rows.live_customer(session, address.customer_id)
            change_address(
                session,
                address,
                actor=self.ctx.actor,
                cleaned=cleaned,
                expected_version=expected_version,
            )
            return child_rows.read_of(AddressRead, address)

    def remove(self, address_id: int) -> None:
        with self.ctx.write() as session:
            address = child_rows.load_child(session, Address, address_id)
            child_rows.live_customer(session, address.customer_id)
            delete_address(session, address, actor=self.ctx.actor)
