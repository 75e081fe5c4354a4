"""Naming what a change-log line is about: the card "Visa •••• 4242", not "payment method id 169".

A log line keeps ids (a payment's `payment_method_id`, a customer's
`billing_group_id`): ids stay true when a name changes. People read names,
so lines are shown with each referenced row named as the app shows it
elsewhere. A card that was removed since is named from its own log line
(its brand and last four were logged when it was added).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, ChangeRecord, PaymentMethod, Subscription

# Fields that hold the id of another row: how the field is called, and whose id it is.
REFERENCES = {
    "payment_method_id": ("card", "payment_method"),
    "order_id": ("order", "order"),
    "subscription_id": ("subscription", "subscription"),
    "billing_group_id": ("billing group", "billing_group"),
}


# Brands too long to name a card in a table column ("American Express •••• 2914").
_SHORT_BRANDS = {"American Express": "Amex", "Diners Club": "Diners"}


def card_label(brand: str, last4: str) -> str:
    """How a card is named everywhere: "Visa •••• 4242", "Amex •••• 2914"."""
    return f"{_SHORT_BRANDS.get(brand, brand)} •••• {last4}"


@dataclass
class Names:
    """Names of the rows a page of log lines refers to, by kind and id."""

    by_kind: dict[str, dict[int, str]] = field(default_factory=dict)

    def of(self, kind: str, row_id: int) -> str:
        """The row's name ("Visa •••• 4242"), or "#12" for one without (an order)."""
        return self.by_kind.get(kind, {}).get(row_id) or f"#{row_id}"

    def subject(self, entity: str, entity_id: int) -> str:
        """What the line is about: "card Visa •••• 4242", "order #12", "" for the customer."""
        if entity == "customer":
            return ""
        noun = "card" if entity == "payment_method" else entity.replace("_", " ")
        return f"{noun} {self.of(entity, entity_id)}"

    def value(self, field_name: str, value: str | None) -> str | None:
        """A logged value, with an id of another row named and a moment in local time."""
        reference = REFERENCES.get(field_name)
        if reference is None or value is None or not value.isdigit():
            return _moment(value) if value and "T" in value else value
        return self.of(reference[1], int(value))


def _moment(value: str) -> str:
    """A logged timestamp ("2026-01-15T09:30:00+00:00") as "2026-01-15 09:30" local time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def field_label(field_name: str) -> str:
    """A logged field as people call it ("card", not "payment method id")."""
    reference = REFERENCES.get(field_name)
    return reference[0] if reference else field_name.replace("_", " ")


def read_names(session: Session, rows: Sequence[ChangeRecord]) -> Names:
    """Look up every row the log lines refer to, a query per kind."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.entity, set()).add(row.entity_id)
        reference = REFERENCES.get(row.field)
        if reference is not None:
            for value in (row.old_value, row.new_value):
                if value is not None and value.isdigit():
                    wanted.setdefault(reference[1], set()).add(int(value))
    names = Names()
    if wanted.get("payment_method"):
        names.by_kind["payment_method"] = _cards(session, wanted["payment_method"])
    if wanted.get("subscription"):
        ids = wanted["subscription"]
        names.by_kind["subscription"] = {
            int(i or 0): " ".join(p for p in (product, variant) if p)
            for i, product, variant in session.execute(
                select(col(Subscription.id), col(Subscription.product), col(Subscription.variant))
                .where(col(Subscription.id).in_(ids))
            ).all()
        }  # fmt: skip
    if wanted.get("billing_group"):
        names.by_kind["billing_group"] = {
            int(i or 0): name
            for i, name in session.execute(
                select(col(BillingGroup.id), col(BillingGroup.name))
                .where(col(BillingGroup.id).in_(wanted["billing_group"]))
            ).all()
        }  # fmt: skip
    return names


def _cards(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    out = {
        int(i or 0): card_label(brand, last4)
        for i, brand, last4 in session.execute(
            select(col(PaymentMethod.id), col(PaymentMethod.brand), col(PaymentMethod.last4))
            .where(col(PaymentMethod.id).in_(ids))
        ).all()
    }  # fmt: skip
    gone = ids - set(out)
    if gone:  # removed since: named from the line logged when it was added
        logged: dict[int, dict[str, str]] = {}
        for entity_id, name, value in session.execute(
            select(col(ChangeRecord.entity_id), col(ChangeRecord.field), col(ChangeRecord.new_value))
            .where(
                col(ChangeRecord.entity) == "payment_method",
                col(ChangeRecord.entity_id).in_(gone),
                col(ChangeRecord.field).in_(["brand", "last4"]),
            )
        ).all():  # fmt: skip
            if value:
                logged.setdefault(entity_id, {})[name] = value
        for entity_id, parts in logged.items():
            if "brand" in parts and "last4" in parts:
                out[entity_id] = card_label(parts["brand"], parts["last4"])
    return out
