"""Money side: billing groups, subscriptions, orders, payments, vaulted methods."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from crm_tui.models.children import customer_fk
from crm_tui.models.types import Money, UTCDateTime, utcnow


class BillingGroup(SQLModel, table=True):
    """Business customers invoiced together."""

    __tablename__ = "billing_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Subscription(SQLModel, table=True):
    """A recurring contract for a product, often with a serial-numbered asset."""

    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_customer_start", "customer_id", "start_date"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    product: str
    variant: str | None = None
    asset_serial: str | None = None
    monthly_amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="GBP", max_length=3)
    start_date: date
    contract_end: date | None = Field(default=None, index=True)
    next_payment_date: date | None = None
    status: str = Field(default="active", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Order(SQLModel, table=True):
    """A one-off purchase with line items."""

    __tablename__ = "customer_order"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    ordered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="paid", max_length=16)
    total: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    currency: str = Field(default="GBP", max_length=3)
    version: int = 1


class OrderItem(SQLModel, table=True):
    """One line of an order."""

    __tablename__ = "order_item"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    description: str
    quantity: int = 1
    unit_price: Decimal = Field(sa_type=Money)


class PaymentMethod(SQLModel, table=True):
    """A vaulted card: never more than BIN and last four digits."""

    __tablename__ = "payment_method"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    brand: str = Field(max_length=32)
    bin: str = Field(max_length=6)
    last4: str = Field(max_length=4)
    exp_month: int
    exp_year: int
    holder_name: str
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Payment(SQLModel, table=True):
    """Money received (or expected): paid, pending, failed or refunded."""

    __tablename__ = "payment"
    __table_args__ = (
        Index("ix_payment_status_paid_at", "status", "paid_at"),
        Index("ix_payment_currency_paid_at", "currency", "paid_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=customer_fk())
    paid_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="GBP", max_length=3)
    # The amount in the reporting currency at the rate of the payment's (UTC)
    # day, written in the same transaction; NULL when that day has no rate.
    reporting_amount: Decimal | None = Field(default=None, sa_type=Money)
    status: str = Field(default="paid", max_length=16)
    subscription_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("subscription.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    order_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("customer_order.id", ondelete="SET NULL"), nullable=True
        ),
    )
    payment_method_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("payment_method.id", ondelete="SET NULL"), nullable=True
        ),
    )
    reference: str | None = None
    # False for payments taken before invoices existed (migration 0007): they
    # paid for their subscription or order directly and are no one's credit.
    settles_invoices: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1
