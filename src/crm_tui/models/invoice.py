"""Invoices: what a customer (or a billing group, through its lead member) owes.

An invoice is a draft until it is issued; issuing gives it the next number of
its year from `invoice_counter` in the same transaction, so numbers have no
gaps and are never reused. An issued invoice is never edited: a credit note
(kind `credit_note`, negative total, `credits_invoice_id` set) corrects it.
`settled` is what payments and credit notes have covered so far, kept in step
with `invoice_allocation` in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from crm_tui.models.children import customer_fk
from crm_tui.models.types import Money, Rate, UTCDateTime, utcnow


class Invoice(SQLModel, table=True):
    """One invoice or credit note in one currency."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_invoice_year_sequence"),
        Index("ix_invoice_customer_status", "customer_id", "status", "due_date"),
        Index("ix_invoice_status_due", "status", "due_date"),
        Index("ix_invoice_issue_date", "issue_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    billing_group_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("billing_group.id", ondelete="SET NULL"), nullable=True
        ),
    )
    kind: str = Field(default="invoice", max_length=16)  # invoice | credit_note
    credits_invoice_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("invoice.id", ondelete="RESTRICT"), nullable=True, index=True
        ),
    )
    number: str | None = Field(default=None, max_length=20, unique=True)
    year: int | None = None
    sequence: int | None = None
    status: str = Field(default="draft", max_length=16)
    issue_date: date | None = None
    due_date: date | None = None
    payment_terms: str | None = Field(default=None, max_length=16)
    period_start: date | None = None
    period_end: date | None = None
    currency: str = Field(default="GBP", max_length=3)
    subtotal: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    tax: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    total: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    settled: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    notes: str = ""  # customer-visible text printed on the invoice
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1


class InvoiceLine(SQLModel, table=True):
    """One line. `claims` is true while the line bills its subscription period or
    order: partial unique indexes then stop the same period or order item being billed
    twice (voiding an invoice releases its claims; credit-note lines claim nothing)."""

    __tablename__ = "invoice_line"
    __table_args__ = (
        Index(
            "uq_invoice_line_subscription_period",
            "subscription_id",
            "period_start",
            unique=True,
            sqlite_where=text("claims = 1"),
            postgresql_where=text("claims"),
        ),
        Index(
            "uq_invoice_line_order_item",
            "order_item_id",
            unique=True,
            sqlite_where=text("claims = 1"),
            postgresql_where=text("claims"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("invoice.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int = 0
    description: str
    quantity: Decimal = Field(default=Decimal("1.00"), sa_type=Money)
    unit_price: Decimal = Field(sa_type=Money)
    tax_rate: Decimal = Field(default=Decimal("0.00"), sa_type=Money)  # percent
    amount: Decimal = Field(sa_type=Money)  # quantity x unit price, before tax
    tax: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    subscription_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("subscription.id", ondelete="SET NULL"), nullable=True
        ),
    )
    period_start: date | None = None
    period_end: date | None = None
    order_item_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("order_item.id", ondelete="SET NULL"), nullable=True),
    )
    claims: bool = False


class InvoiceAllocation(SQLModel, table=True):
    """Part of a paid payment, or of a credit note, set against an invoice.

    `amount` is in the invoice's currency (what `settled` adds up), `source_amount`
    in the payment's or credit note's (what is used of it). They are equal unless
    the payment is in another currency: then `rate` is the one unit of the
    payment's currency in the invoice's, on the payment's day, that turned one
    into the other (NULL when no conversion was made).
    """

    __tablename__ = "invoice_allocation"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("invoice.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    payment_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("payment.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    credit_note_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("invoice.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    amount: Decimal = Field(sa_type=Money)
    source_amount: Decimal = Field(sa_type=Money)
    rate: Decimal | None = Field(default=None, sa_type=Rate)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvoiceCounter(SQLModel, table=True):
    """The last number issued in each year, and its issue date (numbers follow dates)."""

    __tablename__ = "invoice_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0
    last_issue_date: date | None = None


class InvoiceReminder(SQLModel, table=True):
    """One dunning level sent (or written to the outbox) for one invoice, once."""

    __tablename__ = "invoice_reminder"
    __table_args__ = (UniqueConstraint("invoice_id", "level", name="uq_reminder_invoice_level"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invoice.id", ondelete="CASCADE"), nullable=False)
    )
    level: int
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # "sending" is written and committed before the message goes out and
    # becomes "sent" after; a crash in between leaves "sending", which a
    # retry never sends again (at most once), and `crm remind` lists it.
    status: str = Field(default="sending", max_length=16)
    channel: str = Field(max_length=16)  # smtp | outbox
    recipient: str
    note_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("note.id", ondelete="SET NULL"), nullable=True),
    )
