"""People at a business customer; exactly one of them is the primary contact."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Contact, Customer
from crm_tui.models.enums import CustomerKind
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.inputs import ContactCreate, ContactUpdate
from crm_tui.services.customers.statements import contacts_of
from crm_tui.services.emails import parse_email
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import parse_phone
from crm_tui.services.search import document as search_doc
from crm_tui.services.validation import clean_text

FIELDS = ("first_name", "last_name", "email", "phone", "title", "department", "is_primary")


@dataclass(frozen=True)
class ContactRead:
    """A stored contact as callers see it: plain values, safe after the session closes."""

    id: int
    customer_id: int
    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    department: str | None
    is_primary: bool
    created_at: datetime
    version: int


def contact_name(contact: Contact | ContactRead) -> str:
    """First and last name, as the contact is shown."""
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


def clean_contact(raw: dict[str, Any], region: str, *, partial: bool = False) -> dict[str, Any]:
    """A contact's fields checked; phones read in `region` unless they carry a country code."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown contact field {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if field == "email":
            out[field] = parse_email(value)
        elif field == "phone":
            out[field] = parse_phone(value, region)
        elif field == "is_primary":
            out[field] = bool(value)
        else:
            out[field] = clean_text(field, value, required=field == "first_name", max_len=200)
    if not partial and not out.get("first_name"):
        raise ValidationError("first_name", "The contact's first name is required.")
    return out


def insert_contact(
    session: Session, *, actor: str, customer: Customer, values: dict[str, Any]
) -> Contact:
    """Add checked `values` to a business; the first contact becomes the primary."""
    if customer.kind != CustomerKind.BUSINESS:
        raise ValidationError(
            "customer", "Contacts belong to business customers; this is an individual."
        )
    assert customer.id is not None
    primary = _primary(session, customer.id)
    if primary is None:
        values["is_primary"] = True
    elif values.get("is_primary"):
        raise ValidationError(
            "is_primary",
            f"{contact_name(primary)} is already the primary contact; "
            "add this one, then make it primary.",
        )
    contact = Contact(customer_id=customer.id, **values)
    session.add(contact)
    child_rows.record_create(session, contact, "contact", actor, values)
    search_doc.refresh(session, customer.id)
    return contact


def change_contact(
    session: Session,
    contact: Contact,
    *,
    actor: str,
    cleaned: dict[str, Any],
    expected_version: int | None,
) -> None:
    """Apply checked changes; making one primary unmarks the previous primary."""
    wants_primary = cleaned.pop("is_primary", None)
    if wants_primary is False and contact.is_primary:
        raise ValidationError(
            "is_primary", "Make another contact primary instead; one must always be."
        )
    if wants_primary and not contact.is_primary:
        _clear_primary(session, actor, contact.customer_id)
        cleaned["is_primary"] = True
    child_rows.apply_changes(
        session,
        contact,
        cleaned,
        entity="contact",
        actor=actor,
        expected_version=expected_version,
    )
    search_doc.refresh(session, contact.customer_id)


def delete_contact(session: Session, contact: Contact, *, actor: str) -> None:
    """Remove a contact; if it was the primary, the oldest one left takes over."""
    customer_id = contact.customer_id
    was_primary = contact.is_primary
    child_rows.record_delete(session, contact, "contact", actor, contact_name(contact))
    if was_primary:
        successor = session.scalars(
            select(Contact)
            .where(col(Contact.customer_id) == customer_id)
            .order_by(col(Contact.id))
            .limit(1)
        ).first()
        if successor is not None:
            child_rows.apply_changes(
                session,
                successor,
                {"is_primary": True},
                entity="contact",
                actor=actor,
                expected_version=None,
            )
    search_doc.refresh(session, customer_id)


def _primary(session: Session, customer_id: int) -> Contact | None:
    return session.scalars(
        select(Contact).where(col(Contact.customer_id) == customer_id, col(Contact.is_primary))
    ).first()


def _clear_primary(session: Session, actor: str, customer_id: int) -> None:
    current = _primary(session, customer_id)
    if current is not None:
        child_rows.apply_changes(
            session,
            current,
            {"is_primary": False},
            entity="contact",
            actor=actor,
            expected_version=None,
        )
    session.execute(
        update(Contact).where(col(Contact.customer_id) == customer_id).values(is_primary=False)
    )


class ContactService:
    """Add, edit, remove contacts and choose the primary one."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def clean(self, raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """`clean_contact` with this database's region for phones."""
        return clean_contact(raw, self.ctx.default_region, partial=partial)

    def list(self, customer_id: int) -> builtins.list[ContactRead]:
        with self.ctx.read() as session:
            rows = session.scalars(contacts_of(customer_id))
            return [child_rows.read_of(ContactRead, row) for row in rows]

    def add(self, customer_id: int, data: ContactCreate) -> ContactRead:
        values = self.clean(data.given())
        with self.ctx.write() as session:
            customer = child_rows.live_customer(session, customer_id)
            contact = insert_contact(
                session, actor=self.ctx.actor, customer=customer, values=values
            )
            return child_rows.read_of(ContactRead, contact)

    def update(
        self, contact_id: int, changes: ContactUpdate, *, expected_version: int | None = None
    ) -> ContactRead:
        cleaned = self.clean(changes.given(), partial=True)
        with self.ctx.write() as session:
            contact = child_rows.load_child(session, Contact, contact_id)
            child_rows.live_customer(session, contact.customer_id)
            change_contact(
                session,
                contact,
                actor=self.ctx.actor,
                cleaned=cleaned,
                expected_version=expected_version,
            )
            return child_rows.read_of(ContactRead, contact)

    def set_primary(self, contact_id: int) -> ContactRead:
        return self.update(contact_id, ContactUpdate(is_primary=True))

    def remove(self, contact_id: int) -> None:
        with self.ctx.write() as session:
            contact = child_rows.load_child(session, Contact, contact_id)
            child_rows.live_customer(session, contact.customer_id)
            delete_contact(session, contact, actor=self.ctx.actor)
