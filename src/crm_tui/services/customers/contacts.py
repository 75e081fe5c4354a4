"""People at a business customer; exactly one of them is the primary contact."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Contact
from crm_tui.models.enums import CustomerKind
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.errors import ValidationError
from crm_tui.services.search import document as search_doc
from crm_tui.services.validation import clean_text, parse_email, parse_phone

FIELDS = ("first_name", "last_name", "email", "phone", "title", "department", "is_primary")


def contact_name(contact: Contact) -> str:
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


class ContactService:
    """Add, edit, remove contacts and choose the primary one."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def clean(self, raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
        unknown = set(raw) - set(FIELDS)
        if unknown:
            raise ValidationError(
                sorted(unknown)[0], f"Unknown contact field {sorted(unknown)[0]!r}."
            )
        out: dict[str, Any] = {}
        for field, value in raw.items():
            if field == "email":
                out[field] = parse_email(value)
            elif field == "phone":
                out[field] = parse_phone(value, self.ctx.default_region)
            elif field == "is_primary":
                out[field] = bool(value)
            else:
                out[field] = clean_text(field, value, required=field == "first_name", max_len=200)
        if not partial and not out.get("first_name"):
            raise ValidationError("first_name", "The contact's first name is required.")
        return out

    def list(self, customer_id: int) -> builtins.list[Contact]:
        with self.ctx.read() as session:
            return list(
                session.scalars(
                    select(Contact)
                    .where(col(Contact.customer_id) == customer_id)
                    .order_by(
                        col(Contact.is_primary).desc(), col(Contact.first_name), col(Contact.id)
                    )
                )
            )

    def add(self, customer_id: int, data: dict[str, Any]) -> Contact:
        values = self.clean(data)
        with self.ctx.write() as session:
            customer = child_rows.live_customer(session, customer_id)
            if customer.kind != CustomerKind.BUSINESS:
                raise ValidationError(
                    "customer", "Contacts belong to business customers; this is an individual."
                )
            primary = self._primary(session, customer_id)
            if primary is None:
                values["is_primary"] = True
            elif values.get("is_primary"):
                raise ValidationError(
                    "is_primary",
                    f"{contact_name(primary)} is already the primary contact; "
                    "add this one, then make it primary.",
                )
            contact = Contact(customer_id=customer_id, **values)
            session.add(contact)
            child_rows.record_create(session, contact, "contact", self.ctx.actor, values)
            search_doc.refresh(session, customer_id)
            return contact

    def update(
        self, contact_id: int, changes: dict[str, Any], *, expected_version: int | None = None
    ) -> Contact:
        cleaned = self.clean(changes, partial=True)
        with self.ctx.write() as session:
            contact = child_rows.load_child(session, Contact, contact_id)
            child_rows.live_customer(session, contact.customer_id)
            wants_primary = cleaned.pop("is_primary", None)
            if wants_primary is False and contact.is_primary:
                raise ValidationError(
                    "is_primary", "Make another contact primary instead; one must always be."
                )
            if wants_primary and not contact.is_primary:
                self._clear_primary(session, contact.customer_id)
                cleaned["is_primary"] = True
            child_rows.apply_changes(
                session,
                contact,
                cleaned,
                entity="contact",
                actor=self.ctx.actor,
                expected_version=expected_version,
            )
            search_doc.refresh(session, contact.customer_id)
            return contact

    def set_primary(self, contact_id: int) -> Contact:
        return self.update(contact_id, {"is_primary": True})

    def remove(self, contact_id: int) -> None:
        with self.ctx.write() as session:
            contact = child_rows.load_child(session, Contact, contact_id)
            customer_id = contact.customer_id
            child_rows.live_customer(session, customer_id)
            was_primary = contact.is_primary
            child_rows.record_delete(
                session, contact, "contact", self.ctx.actor, contact_name(contact)
            )
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
                        actor=self.ctx.actor,
                        expected_version=None,
                    )
            search_doc.refresh(session, customer_id)

    @staticmethod
    def _primary(session: Session, customer_id: int) -> Contact | None:
        return session.scalars(
            select(Contact).where(col(Contact.customer_id) == customer_id, col(Contact.is_primary))
        ).first()

    def _clear_primary(self, session: Session, customer_id: int) -> None:
        current = self._primary(session, customer_id)
        if current is not None:
            child_rows.apply_changes(
                session,
                current,
                {"is_primary": False},
                entity="contact",
                actor=self.ctx.actor,
                expected_version=None,
            )
        session.execute(
            update(Contact).where(col(Contact.customer_id) == customer_id).values(is_primary=False)
        )
