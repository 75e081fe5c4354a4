"""Which vaulted card is a customer's default: one at most, and never an expired one.

A card is good through the last day of its expiry month (12/2026 pays on
31 December 2026). An expired card is kept for the record (payments name
it) but cannot be made the default, and a new card only becomes the default
by itself when it is the customer's first card and still good.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import PaymentMethod
from crm_tui.services.customers import child_rows
from crm_tui.services.errors import ValidationError
from crm_tui.services.history_names import card_label


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """Whether a card with this expiry can no longer pay on `today`."""
    return (exp_year, exp_month) < (today.year, today.month)


def refuse_if_expired(brand: str, last4: str, exp_month: int, exp_year: int, today: date) -> None:
    if is_expired(exp_month, exp_year, today):
        raise ValidationError(
            "is_default",
            f"{card_label(brand, last4)} expired in {exp_month:02d}/{exp_year}; "
            "an expired card cannot be the default.",
        )


def make_default(session: Session, method: PaymentMethod, actor: str, today: date) -> None:
    """Make `method` its customer's default card, the one before it no longer (logged)."""
    refuse_if_expired(method.brand, method.last4, method.exp_month, method.exp_year, today)
    if method.is_default:
        return
    others = session.scalars(
        select(PaymentMethod).where(
            col(PaymentMethod.customer_id) == method.customer_id,
            col(PaymentMethod.is_default),
            col(PaymentMethod.id) != method.id,
        )
    ).all()
    for other in others:
        child_rows.apply_changes(
            session, other, {"is_default": False}, entity="payment_method", actor=actor,
            expected_version=None,
        )  # fmt: skip
    child_rows.apply_changes(
        session, method, {"is_default": True}, entity="payment_method", actor=actor,
        expected_version=None,
    )  # fmt: skip
