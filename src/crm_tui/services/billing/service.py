"""Subscriptions, orders, payments and vaulted payment methods.

Every write here refreshes the customer's summary in the same transaction, so
the figures the list sorts by never drift from the money rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from crm_tui.models import Order, OrderItem, Payment, PaymentMethod, Subscription
from crm_tui.models.enums import OrderStatus, PaymentStatus, SubscriptionStatus
from crm_tui.services.billing import summary
from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    check_date_range,
    clean_text,
    parse_amount,
    parse_choice,
    parse_currency,
    parse_date,
    parse_int,
)

SUBSCRIPTION_FIELDS = (
    "product", "variant", "asset_serial", "monthly_amount", "currency",
    "start_date", "contract_end", "next_payment_date", "status",
)  # fmt: skip
PAYMENT_FIELDS = (
    "paid_at", "amount", "currency", "status", "subscription_id", "order_id",
    "payment_method_id", "reference",
)  # fmt: skip
MIN_EXPIRY_YEAR, MAX_EXPIRY_YEAR = 2000, 2099
CARD_BRANDS = [
    "Visa",
    "Mastercard",
    "American Express",
    "Discover",
    "JCB",
    "Diners Club",
    "UnionPay",
    "Maestro",
]


def clean_subscription(raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    unknown = set(raw) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError(
            sorted(unknown)[0], f"Unknown subscription field {sorted(unknown)[0]!r}."
        )
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if field == "monthly_amount":
            out[field] = parse_amount(value, field)
        elif field == "currency":
            out[field] = parse_currency(value, required=True)
        elif field in ("start_date", "contract_end", "next_payment_date"):
            out[field] = parse_date(value, field, required=field == "start_date")
        elif field == "status":
            out[field] = parse_choice(value, field, [s.value for s in SubscriptionStatus])
        else:
            out[field] = clean_text(field, value, required=field == "product", max_len=200)
    if not partial:
        for field in ("product", "monthly_amount", "start_date"):
            if out.get(field) is None:
                raise ValidationError(field, f"The {field.replace('_', ' ')} is required.")
    return out


def check_contract_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            "contract_end",
            f"The contract cannot end ({end.isoformat()}) before it starts ({start.isoformat()}).",
        )


def parse_when(raw: object, field: str) -> datetime:
    if isinstance(raw, datetime):
        if raw.tzinfo is None:
            raise ValidationError(field, f"The {field.replace('_', ' ')} needs a time zone.")
        check_date_range(raw.date(), field)
        return raw
    day = parse_date(raw, field, required=True)
    assert day is not None
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


class BillingService:
    """Money rows of one customer."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- subscriptions -------------------------------------------------------

    def subscriptions(self, customer_id: int) -> list[Subscription]:
        with self.ctx.read() as session:
            return list(
                session.scalars(
                    select(Subscription)
                    .where(col(Subscription.customer_id) == customer_id)
                    .order_by(col(Subscription.status), col(Subscription.start_date).desc())
                )
            )

    def add_subscription(self, customer_id: int, data: dict[str, Any]) -> Subscription:
        values = clean_subscription({"currency": "GBP", "status": "active", **data})
        check_contract_dates(values["start_date"], values.get("contract_end"))
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            sub = Subscription(customer_id=customer_id, **values)
            session.add(sub)
            child_rows.record_create(session, sub, "subscription", self.ctx.actor, values)
            summary.refresh(session, customer_id)
            return sub

    def update_subscription(
        self, subscription_id: int, changes: dict[str, Any], *, expected_version: int | None = None
    ) -> Subscription:
        cleaned = clean_subscription(changes, partial=True)
        with self.ctx.write() as session:
            sub = child_rows.load_child(session, Subscription, subscription_id)
            child_rows.live_customer(session, sub.customer_id)
            check_contract_dates(
                cleaned.get("start_date", sub.start_date),
                cleaned.get("contract_end", sub.contract_end),
            )
            child_rows.apply_changes(
                session,
                sub,
                cleaned,
                entity="subscription",
                actor=self.ctx.actor,
                expected_version=expected_version,
            )
            summary.refresh(session, sub.customer_id)
            return sub

    def end_subscription(self, subscription_id: int, on: date | None = None) -> Subscription:
        end = on or date.today()
        with self.ctx.write() as session:
            sub = child_rows.load_child(session, Subscription, subscription_id)
            child_rows.live_customer(session, sub.customer_id)
            if sub.status == SubscriptionStatus.ENDED:
                raise ValidationError("status", "This subscription has already ended.")
            check_contract_dates(sub.start_date, end)
            child_rows.apply_changes(
                session,
                sub,
                {
                    "status": SubscriptionStatus.ENDED.value,
                    "contract_end": end,
                    "next_payment_date": None,
                },
                entity="subscription",
                actor=self.ctx.actor,
                expected_version=None,
            )
            summary.refresh(session, sub.customer_id)
            return sub

    def cost_recovered(self, subscription_id: int) -> Decimal:
        """Paid so far against this subscription."""
        from sqlalchemy import func

        with self.ctx.read() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(col(Payment.amount)), 0)).where(
                    col(Payment.subscription_id) == subscription_id,
                    col(Payment.status) == PaymentStatus.PAID,
                )
            )
            return Decimal(total or 0).quantize(Decimal("0.01"))

    # --- payments ------------------------------------------------------------

    def payments(
        self, customer_id: int, *, status: str | None = None, limit: int = 1000
    ) -> list[Payment]:
        with self.ctx.read() as session:
            query = select(Payment).where(col(Payment.customer_id) == customer_id)
            if status:
                query = query.where(col(Payment.status) == status)
            return list(
                session.scalars(
                    query.order_by(col(Payment.paid_at).desc(), col(Payment.id).desc()).limit(limit)
                )
            )

    def record_payment(self, customer_id: int, data: dict[str, Any]) -> Payment:
        values = self._clean_payment(
            {"currency": "GBP", "status": "paid", "paid_at": date.today(), **data}
        )
        if values["amount"] == 0:
            raise ValidationError("amount", "The amount must be more than zero.")
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            self._check_links(session, customer_id, values)
            payment = Payment(customer_id=customer_id, **values)
            session.add(payment)
            child_rows.record_create(session, payment, "payment", self.ctx.actor, values)
            summary.refresh(session, customer_id)
            return payment

    def mark_paid(self, payment_id: int) -> Payment:
        return self._set_payment_status(
            payment_id, PaymentStatus.PAID, {PaymentStatus.FAILED, PaymentStatus.PENDING}
        )

    def refund(self, payment_id: int) -> Payment:
        return self._set_payment_status(payment_id, PaymentStatus.REFUNDED, {PaymentStatus.PAID})

    def _set_payment_status(self, payment_id: int, status: str, allowed_from: set[str]) -> Payment:
        with self.ctx.write() as session:
            payment = child_rows.load_child(session, Payment, payment_id)
            child_rows.live_customer(session, payment.customer_id)
            if payment.status not in allowed_from:
                raise ValidationError(
                    "status", f"A {payment.status} payment cannot be marked {status}."
                )
            child_rows.apply_changes(
                session,
                payment,
                {"status": status},
                entity="payment",
                actor=self.ctx.actor,
                expected_version=None,
            )
            summary.refresh(session, payment.customer_id)
            return payment

    def _clean_payment(self, raw: dict[str, Any]) -> dict[str, Any]:
        unknown = set(raw) - set(PAYMENT_FIELDS)
        if unknown:
            raise ValidationError(
                sorted(unknown)[0], f"Unknown payment field {sorted(unknown)[0]!r}."
            )
        out: dict[str, Any] = {}
        for field, value in raw.items():
            if field == "amount":
                out[field] = parse_amount(value, field)
            elif field == "currency":
                out[field] = parse_currency(value, required=True)
            elif field == "status":
                out[field] = parse_choice(value, field, [s.value for s in PaymentStatus])
            elif field == "paid_at":
                out[field] = parse_when(value, "paid_at")
            elif field in ("subscription_id", "order_id", "payment_method_id"):
                out[field] = None if value in (None, "") else parse_int(value, field, minimum=1)
            else:
                out[field] = clean_text(field, value, max_len=200)
        return out

    @staticmethod
    def _check_links(session: Any, customer_id: int, values: dict[str, Any]) -> None:
        for field, model in (
            ("subscription_id", Subscription),
            ("order_id", Order),
            ("payment_method_id", PaymentMethod),
        ):
            link = values.get(field)
            if link is None:
                continue
            row = session.get(model, link)
            if row is None or row.customer_id != customer_id:
                raise ValidationError(
                    field, f"The {field[:-3].replace('_', ' ')} {link} is not this customer's."
                )

    # --- orders --------------------------------------------------------------

    def orders(self, customer_id: int, limit: int = 500) -> list[tuple[Order, list[OrderItem]]]:
        with self.ctx.read() as session:
            orders = list(
                session.scalars(
                    select(Order)
                    .where(col(Order.customer_id) == customer_id)
                    .order_by(col(Order.ordered_at).desc())
                    .limit(limit)
                )
            )
            ids = [o.id for o in orders]
            items: dict[int, list[OrderItem]] = {i: [] for i in ids if i is not None}
            if ids:
                for item in session.scalars(
                    select(OrderItem)
                    .where(col(OrderItem.order_id).in_(ids))
                    .order_by(col(OrderItem.id))
                ):
                    items[item.order_id].append(item)
            return [(o, items.get(o.id or 0, [])) for o in orders]

    def add_order(
        self,
        customer_id: int,
        items: Sequence[dict[str, Any]],
        *,
        status: str = OrderStatus.PAID.value,
        currency: str = "GBP",
        ordered_at: object = None,
    ) -> Order:
        if not items:
            raise ValidationError("items", "An order needs at least one item.")
        clean_items: list[dict[str, Any]] = []
        for item in items:
            description = clean_text(
                "description", item.get("description"), required=True, max_len=300
            )
            quantity = parse_int(
                item.get("quantity", 1), "quantity", minimum=1, maximum=MAX_QUANTITY
            )
            price = parse_amount(item.get("unit_price"), "unit_price")
            assert price is not None
            clean_items.append(
                {"description": description, "quantity": quantity, "unit_price": price}
            )
        total = sum((i["quantity"] * i["unit_price"] for i in clean_items), Decimal("0.00"))
        if total >= MAX_AMOUNT:
            raise ValidationError(
                "items",
                f"The order would total {total:,}; an order must total less than {MAX_AMOUNT:,}.",
            )
        values: dict[str, Any] = {
            "status": parse_choice(status, "status", [s.value for s in OrderStatus]),
            "currency": parse_currency(currency, required=True),
            "ordered_at": parse_when(ordered_at or date.today(), "ordered_at"),
            "total": total,
        }
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            order = Order(customer_id=customer_id, **values)
            session.add(order)
            session.flush()
            assert order.id is not None
            for item in clean_items:
                session.add(OrderItem(order_id=order.id, **item))
            child_rows.record_create(session, order, "order", self.ctx.actor, values)
            summary.refresh(session, customer_id)
            return order

    # --- payment methods -----------------------------------------------------

    def payment_methods(self, customer_id: int) -> list[PaymentMethod]:
        with self.ctx.read() as session:
            return list(
                session.scalars(
                    select(PaymentMethod)
                    .where(col(PaymentMethod.customer_id) == customer_id)
                    .order_by(col(PaymentMethod.is_default).desc(), col(PaymentMethod.id))
                )
            )

    def add_payment_method(self, customer_id: int, data: dict[str, Any]) -> PaymentMethod:
        values = self._clean_method(data)
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            has_default = session.scalar(
                select(col(PaymentMethod.id)).where(
                    col(PaymentMethod.customer_id) == customer_id, col(PaymentMethod.is_default)
                )
            )
            if has_default is None:
                values["is_default"] = True
            elif values.get("is_default"):
                session.execute(
                    update(PaymentMethod)
                    .where(col(PaymentMethod.customer_id) == customer_id)
                    .values(is_default=False)
                )
            method = PaymentMethod(customer_id=customer_id, **values)
            session.add(method)
            child_rows.record_create(
                session, method, "payment_method", self.ctx.actor,
                {"brand": values["brand"], "last4": values["last4"]},
            )  # fmt: skip
            return method

    def remove_payment_method(self, method_id: int) -> None:
        with self.ctx.write() as session:
            method = child_rows.load_child(session, PaymentMethod, method_id)
            child_rows.live_customer(session, method.customer_id)
            child_rows.record_delete(
                session,
                method,
                "payment_method",
                self.ctx.actor,
                f"{method.brand} ••{method.last4}",
            )

    @staticmethod
    def _clean_method(raw: dict[str, Any]) -> dict[str, Any]:
        for value in raw.values():
            if isinstance(value, str) and contains_card_number(value):
                raise ValidationError(
                    "card",
                    "A full card number was typed; we keep only its first six and last four.",
                )
        brand = parse_choice(raw.get("brand"), "brand", CARD_BRANDS)
        bin_digits = re.sub(r"\s", "", str(raw.get("bin") or ""))
        if not re.fullmatch(r"\d{6}", bin_digits):
            raise ValidationError("bin", "The BIN is the card's first six digits.")
        last4 = re.sub(r"\s", "", str(raw.get("last4") or ""))
        if not re.fullmatch(r"\d{4}", last4):
            raise ValidationError("last4", "Give the card's last four digits.")
        month = parse_int(raw.get("exp_month"), "exp_month", minimum=1)
        if month > 12:
            raise ValidationError("exp_month", "The expiry month must be 1 to 12.")
        year = parse_int(raw.get("exp_year"), "exp_year", minimum=0, maximum=MAX_EXPIRY_YEAR)
        if year < 100:  # 27 means 2027
            year += 2000
        if year < MIN_EXPIRY_YEAR:
            raise ValidationError(
                "exp_year",
                f"The expiry year must be from {MIN_EXPIRY_YEAR} to {MAX_EXPIRY_YEAR} (or two digits).",
            )
        holder = clean_text("holder_name", raw.get("holder_name"), required=True, max_len=200)
        return {
            "brand": brand,
            "bin": bin_digits,
            "last4": last4,
            "exp_month": month,
            "exp_year": year,
            "holder_name": holder,
            "is_default": bool(raw.get("is_default")),
        }
