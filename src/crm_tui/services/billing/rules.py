"""Checks of billing input: subscriptions, payments, order lines and vaulted cards."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from crm_tui.models.enums import PaymentStatus, SubscriptionStatus
from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import (
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


def clean_payment(raw: dict[str, Any]) -> dict[str, Any]:
    """A payment's fields checked."""
    unknown = set(raw) - set(PAYMENT_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown payment field {sorted(unknown)[0]!r}.")
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


def clean_method(raw: dict[str, Any]) -> dict[str, Any]:
    """A vaulted card's fields checked; any full card number anywhere is refused."""
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


def clean_order_item(raw: dict[str, Any]) -> dict[str, Any]:
    """One order line checked; the quantity is 1 unless given."""
    description = clean_text("description", raw.get("description"), required=True, max_len=300)
    quantity = parse_int(raw.get("quantity", 1), "quantity", minimum=1, maximum=MAX_QUANTITY)
    price = parse_amount(raw.get("unit_price"), "unit_price")
    assert price is not None
    return {"description": description, "quantity": quantity, "unit_price": price}
