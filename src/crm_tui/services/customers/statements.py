"""The SELECTs of one customer's card: the services run them, and `crm show`'s lean read
path runs the SQL compiled from them (`services.card.compile`), one expression each."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlmodel import col

from crm_tui.models import Address, Contact, Customer, CustomerTag, Note, Tag


def by_id(customer_id: int) -> Select[Customer]:
    """The customer row with this id (also run by the lean read path of `crm show`)."""
    return select(Customer).where(col(Customer.id) == customer_id)


def id_by_email(key: str) -> Select[int | None]:
    """The id of the customer whose e-mail key this is."""
    return select(col(Customer.id)).where(col(Customer.email_key) == key)


def id_by_phone(digits: str) -> Select[int | None]:
    """The lowest id of a customer with these phone digits."""
    return (
        select(col(Customer.id))
        .where(col(Customer.phone_digits) == digits)
        .order_by(col(Customer.id))
        .limit(1)
    )


def tag_names_statement(customer_id: int) -> Select[str]:
    return (
        select(col(Tag.name))
        .join(CustomerTag, col(CustomerTag.tag_id) == col(Tag.id))
        .where(col(CustomerTag.customer_id) == customer_id)
        .order_by(col(Tag.name_key))
    )


def addresses_of(customer_id: int) -> Select[Address]:
    """The default billing address first, then by kind and age."""
    return (
        select(Address)
        .where(col(Address.customer_id) == customer_id)
        .order_by(col(Address.is_default_billing).desc(), col(Address.kind), col(Address.id))
    )


def contacts_of(customer_id: int) -> Select[Contact]:
    """The primary contact first, then by first name."""
    return (
        select(Contact)
        .where(col(Contact.customer_id) == customer_id)
        .order_by(col(Contact.is_primary).desc(), col(Contact.first_name), col(Contact.id))
    )


def pinned_notes(customer_id: int) -> Select[Note]:
    """Pinned notes, newest first."""
    return (
        select(Note)
        .where(col(Note.customer_id) == customer_id, col(Note.pinned))
        .order_by(col(Note.created_at).desc())
    )
