"""The customer: a person or a business, the centre of everything else."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from crm_tui.models.types import MoneyTotal, UTCDateTime, utcnow
from crm_tui.naming import MAX_ID as MAX_ID
from crm_tui.naming import format_number as format_number
from crm_tui.naming import parse_number as parse_number


class Customer(SQLModel, table=True):
    """One customer. `email_key` (normalised e-mail) is the natural key."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_sort_name", "sort_name", "id"),
        Index("ix_customer_created", "created_at", "id"),
        Index("ix_customer_status", "status"),
        Index("ix_customer_status_created", "status", "created_at"),  # migration 0023
        Index("ix_customer_phone_digits", "phone_digits"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(default="active", max_length=16)
    status_reason: str | None = None
    merged_into_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="SET NULL"), nullable=True),
    )
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    # Casefolded "last first company" for sorting by name in an index.
    sort_name: str = Field(default="", sa_type=String(400))
    email: str | None = None
    email_key: str | None = Field(default=None, unique=True)
    phone: str | None = Field(default=None, max_length=32)
    phone_digits: str | None = Field(default=None, max_length=32)
    date_of_birth: date | None = None
    registration_number: str | None = None
    vat_id: str | None = None
    business_type: str | None = None
    industry: str | None = None
    website: str | None = None
    payment_terms: str | None = Field(default=None, max_length=16)
    billing_group_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("billing_group.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    segment: str | None = Field(default=None, max_length=64, index=True)
    loyalty_points: int = 0
    language: str | None = Field(default=None, max_length=16)
    currency: str | None = Field(default=None, max_length=3)
    # Comma-separated channels the customer opted in to: email,phone,sms,post.
    contact_channels: str = ""
    owner: str | None = Field(default=None, max_length=120, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The import run that added it (models/imports.py), None when added otherwise.
    import_run_id: int | None = None
    version: int = 1


class CustomerSummary(SQLModel, table=True):
    """Figures the list sorts and filters by, kept in step with every payment,
    order and subscription change (same transaction). `crm db check` recounts."""

    __tablename__ = "customer_summary"
    __table_args__ = (
        Index("ix_summary_ltv", "lifetime_value", "customer_id"),
        Index("ix_summary_active_subs", "active_subscriptions", "customer_id"),
        Index("ix_summary_last_purchase", "last_purchase_at", "customer_id"),
        Index("ix_summary_outstanding", "outstanding_balance", "customer_id"),
        Index("ix_summary_oldest_due", "oldest_due", "customer_id"),
    )

    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    )
    lifetime_value: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyTotal)
    outstanding_balance: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyTotal)
    paid_payments: int = 0
    active_subscriptions: int = 0
    ended_subscriptions: int = 0
    active_monthly: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyTotal)
    order_count: int = 0
    order_total: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyTotal)
    last_purchase_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The earliest due date of an open invoice (NULL: none open); days overdue are
    # counted from it, so the list sorts by them over an index that never goes stale.
    oldest_due: date | None = None


class CustomerSearch(SQLModel, table=True):
    """One normalised search document per customer (accents stripped,
    casefolded, phone digits included), written by the service layer; the
    search index (FTS5 on SQLite, pg_trgm on PostgreSQL) is built over it."""

    __tablename__ = "customer_search"

    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    )
    doc: str = ""
