"""A customer's custom fields: name -> text for what no field holds ("Job Title")."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import CustomField
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.search import document as search_doc
from crm_tui.services.validation import clean_text, text_key

NAME_MAX = 100


def clean_custom(name: str, value: str) -> tuple[str, str]:
    """A custom field's name and value by the same rules as any text a clerk types."""
    clean_name = clean_text("custom_field_name", name, required=True, max_len=NAME_MAX) or ""
    clean_value = clean_text(clean_name.lower(), value, required=True) or ""
    return clean_name, clean_value


def held(session: Session, customer_id: int) -> dict[str, CustomField]:
    """The customer's custom fields by name key."""
    rows = session.scalars(select(CustomField).where(col(CustomField.customer_id) == customer_id))
    return {row.name_key: row for row in rows}


def put(session: Session, customer_id: int, name: str, value: str, actor: str) -> bool:
    """Set one field (already cleaned) inside the caller's transaction; False if unchanged."""
    existing = held(session, customer_id).get(text_key(name))
    if existing is None:
        row = CustomField(customer_id=customer_id, name=name, name_key=text_key(name), value=value)
        session.add(row)
        child_rows.record_create(session, row, "custom_field", actor, {name: value})
        return True
    if existing.value == value:
        return False
    child_rows.apply_changes(session, existing, {"value": value}, entity="custom_field",
                             actor=actor, expected_version=None)  # fmt: skip
    return True


class CustomFieldService:
    """List, set and remove a customer's custom fields."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, customer_id: int) -> builtins.list[CustomField]:
        with self.ctx.read() as session:
            return list(
                session.scalars(
                    select(CustomField)
                    .where(col(CustomField.customer_id) == customer_id)
                    .order_by(col(CustomField.name_key))
                )
            )

    def set(self, customer_id: int, name: str, value: str) -> None:
        """Add the field, or change its value when the customer has it already."""
        clean_name, clean_value = clean_custom(name, value)
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            if put(session, customer_id, clean_name, clean_value, self.ctx.actor):
                search_doc.refresh(session, customer_id)

    def remove(self, field_id: int) -> None:
        with self.ctx.write() as session:
            row = child_rows.load_child(session, CustomField, field_id)
            child_rows.live_customer(session, row.customer_id)
            customer_id = row.customer_id
            child_rows.record_delete(session, row, "custom_field", self.ctx.actor, row.name)
            search_doc.refresh(session, customer_id)
