"""Money rows as the billing service hands them out: frozen, safe after the session closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class SubscriptionRead:
    """A recurring contract."""

    id: int
    customer_id: int
    product: str
    variant: str | None
    asset_serial: str | None
    monthly_amount: Decimal
    currency: str
    start_date: date
    contract_end: date | None
    next_payment_date: date | None
    status: str
    created_at: datetime
    version: int


@dataclass(frozen=True)
class PaymentRead:
    """Money received or expected."""

    id: int
    customer_id: int
    paid_at: datetime
    amount: Decimal
    currency: str
    status: str
    subscription_id: int | None
    order_id: int | None
    payment_method_id: int | None
    reference: str | None
    created_at: datetime
    version: int


@dataclass(frozen=True)
class RecordedPayment(PaymentRead):
    """A payment just recorded or marked paid, and why it stays credit (a rate is missing)."""

    notice: str = ""


@dataclass(frozen=True)
class OrderItemRead:
    """One line of an order."""

    id: int
    order_id: int
    description: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderRead:
    """A one-off purchase; `items` are filled in by `BillingService.orders`."""

    id: int
    customer_id: int
    ordered_at: datetime
    status: str
    total: Decimal
    currency: str
    version: int
    items: tuple[OrderItemRead, ...] = ()
    invoice: str = ""  # the invoice billing its items: a number, "draft #12", or ""


@dataclass(frozen=True)
class PaymentMethodRead:
    """A vaulted card: never more than BIN and last four digits."""

    id: int
    customer_id: int
    brand: str
    bin: str
    last4: str
    exp_month: int
    exp_year: int
    holder_name: str
    is_default: bool
    created_at: datetime
    version: int
