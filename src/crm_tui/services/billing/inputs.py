"""What callers hand the billing service: typed inputs, checked by the service's own rules.

As for customers (services/customers/inputs.py): each field takes what a clerk
typed or the typed value, only the fields a caller sets count
(`model_dump(exclude_unset=True)`), and the service's checks still give the
one-sentence refusals. An amount may come as text, a Decimal, an int, or a
float (read through its shortest repr, so 0.1 is 0.10, never 0.1000000000000000055).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from crm_tui.services.customers.inputs import Input

Amount = Decimal | int | float | str


class SubscriptionFields(Input):
    """A subscription as typed; `add_subscription` fills currency (GBP) and status (active)."""

    product: str | None = None
    variant: str | None = None
    asset_serial: str | None = None
    monthly_amount: Amount | None = None
    currency: str | None = None
    start_date: date | str | None = None
    contract_end: date | str | None = None
    next_payment_date: date | str | None = None
    status: str | None = None


class SubscriptionCreate(SubscriptionFields):
    """A new subscription: product, monthly amount and start date are required."""


class SubscriptionUpdate(SubscriptionFields):
    """Changed fields of a subscription."""


class PaymentCreate(Input):
    """A payment as typed; currency (the reporting one), status (paid) and date (today) filled in."""

    paid_at: datetime | date | str | None = None
    amount: Amount | None = None
    currency: str | None = None
    status: str | None = None
    subscription_id: int | str | None = None
    order_id: int | str | None = None
    payment_method_id: int | str | None = None
    reference: str | None = None


class OrderItemCreate(Input):
    """One line of a new order."""

    description: str | None = None
    quantity: int | str | None = None
    unit_price: Amount | None = None


class OrderCreate(Input):
    """A one-off purchase with at least one line."""

    items: list[OrderItemCreate] = Field(default_factory=list)
    status: str = "paid"
    currency: str = "GBP"
    ordered_at: datetime | date | str | None = None


class PaymentMethodCreate(Input):
    """A vaulted card: brand, BIN (first six digits), last four, expiry and holder."""

    brand: str | None = None
    bin: str | None = None
    last4: str | None = None
    exp_month: int | str | None = None
    exp_year: int | str | None = None
    holder_name: str | None = None
    is_default: bool | None = None
