"""Rows that belong to one customer: addresses, contacts, notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime, utcnow


def customer_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Address(SQLModel, table=True):
    """A billing or shipping address; at most one default billing per customer."""

    __tablename__ = "address"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    kind: str = Field(default="billing", max_length=16)
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = Field(default=None, max_length=32)
    country: str = Field(default="GB", max_length=2)
    is_default_billing: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Contact(SQLModel, table=True):
    """A person at a business customer; exactly one is primary."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    first_name: str
    last_name: str | None = None
    email: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    title: str | None = None
    department: str | None = None
    is_primary: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Note(SQLModel, table=True):
    """An activity on the timeline: note, call, e-mail, meeting or task."""

    __tablename__ = "note"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    type: str = Field(default="note", max_length=16)
    title: str
    body: str = ""
    follow_up_on: date | None = Field(default=None, index=True)
    done: bool = False
    pinned: bool = False
    visibility: str = Field(default="internal", max_length=16)
    author: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    version: int = 1
    # Calls and meetings only: how long (whole minutes) and how it ended (enums.*Outcome).
    duration_minutes: int | None = None
    outcome: str | None = Field(default=None, max_length=24)


class CustomField(SQLModel, table=True):
    """A value a file brought that no field holds, kept under its own name ("Job Title").

    One value per name and customer (`name_key` is the casefolded name).
    """

    __tablename__ = "custom_field"
    __table_args__ = (UniqueConstraint("customer_id", "name_key", name="uq_custom_field_name"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    value: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class ContactPoint(SQLModel, table=True):
    """One way to reach a customer: an e-mail, a phone or a web address, with a label.

    One primary of each kind, equal to the customer's own e-mail, phone and
    website columns (the primary e-mail stays the natural key there).
    `value_key` is what lookups compare: the casefolded e-mail, the phone's
    digits, the lower-cased web address. A phone that is possible but not
    valid is kept with `verified` false.
    """

    __tablename__ = "contact_point"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    kind: str = Field(max_length=8)  # email | phone | web
    value: str = Field(max_length=500)
    value_key: str = Field(max_length=500, index=True)
    label: str = Field(default="other", max_length=8)  # work | home | mobile | other
    is_primary: bool = False
    verified: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1
