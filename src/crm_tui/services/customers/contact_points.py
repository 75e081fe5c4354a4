"""A customer's e-mails, phones and web addresses, each labelled, one primary of each kind.

The primaries mirror the customer's own e-mail, phone and website columns
(the e-mail there is the unique natural key): `sync_primaries` brings the
points in line after any write to those columns, and `set_primary` writes
the column from the point. Lookups compare `value_key`: the casefolded
e-mail, the phone's digits, the lower-cased address.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, literal, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ContactPoint, Customer
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.rules import derived_columns
from crm_tui.services.emails import email_key, parse_email
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import read_phone
from crm_tui.services.search import document as search_doc
from crm_tui.services.validation import parse_website

KINDS = ("email", "phone", "web")
LABELS = ("work", "home", "mobile", "other")
COLUMN = {"email": "email", "phone": "phone", "web": "website"}  # the customer's own column


@dataclass(frozen=True)
class PointValue:
    """A cleaned contact point, ready to store."""

    kind: str
    value: str
    value_key: str
    label: str
    verified: bool = True

    def __reduce__(self) -> tuple[Any, ...]:
        # An import sends points between processes; positional fields load fastest.
        return (PointValue, (self.kind, self.value, self.value_key, self.label, self.verified))


def value_key(kind: str, value: str) -> str:
    if kind == "email":
        return email_key(value)
    if kind == "phone":
        return value.lstrip("+")
    return value.strip().lower()


def clean_point(kind: str, raw: str, label: str, region: str) -> PointValue:
    """Check one e-mail, phone or web address by the rules a clerk's typing meets."""
    if kind not in KINDS:
        raise ValidationError("kind", f"The kind {kind!r} is unknown; use email, phone or web.")
    if label not in LABELS:
        raise ValidationError("label", f"The label {label!r} is unknown; use {', '.join(LABELS)}.")
    verified = True
    if kind == "email":
        value = parse_email(raw, required=True) or ""
    elif kind == "phone":
        value, verified = read_phone(raw, region)
    else:
        value = parse_website(raw) or ""
        if not value:
            raise ValidationError("website", "The web address is required.")
    return PointValue(kind, value, value_key(kind, value), label, verified)


def mirrors(customer: Customer, kind: str) -> bool:
    """Whether the primary of `kind` is also the customer's own column (a website only
    for businesses: the rules keep it off individuals, who may still have web points)."""
    return kind != "web" or customer.kind == "business"


def points_of(session: Session, customer_id: int) -> builtins.list[ContactPoint]:
    return list(
        session.scalars(
            select(ContactPoint)
            .where(col(ContactPoint.customer_id) == customer_id)
            .order_by(
                col(ContactPoint.kind), col(ContactPoint.is_primary).desc(), col(ContactPoint.id)
            )  # fmt: skip
        )
    )


def sync_primaries(session: Session, customer: Customer) -> None:
    """Make the primary points equal the customer's e-mail, phone and website columns."""
    assert customer.id is not None
    held = points_of(session, customer.id)
    for kind, column in COLUMN.items():
        if not mirrors(customer, kind):
            continue
        wanted = getattr(customer, column)
        primary = next((p for p in held if p.kind == kind and p.is_primary), None)
        if primary is not None and primary.value == wanted:
            continue
        if primary is not None:
            primary.is_primary = False
            if wanted is None:
                session.delete(primary)  # the column was cleared: so is its primary
        if wanted:
            key = value_key(kind, wanted)
            same = next((p for p in held if p.kind == kind and p.value_key == key), None)
            if same is not None and same is not primary:
                same.is_primary, same.value = True, wanted
            else:
                session.add(ContactPoint(customer_id=customer.id, kind=kind, value=wanted,
                                         value_key=key, is_primary=True))  # fmt: skip
    session.flush()


def primaries_first(
    points: builtins.list[PointValue], values: dict[str, Any]
) -> builtins.list[PointValue]:
    """A customer not yet saved (an import's row that later rows fold into): its points
    with the one each column holds first of its kind, spelt as the column spells it,
    since the first of each kind is written as the primary. sync_primaries' rule for a
    saved customer."""
    out = list(points)
    for kind, column in COLUMN.items():
        wanted = values.get(column)
        if not wanted or (kind == "web" and values.get("kind") != "business"):
            continue
        key = value_key(kind, wanted)
        at = next((i for i, p in enumerate(out) if p.kind == kind and p.value_key == key), None)
        if at is not None:
            out.insert(0, replace(out.pop(at), value=wanted))
    return out


def add_primaries_of(session: Session, first_id: int, last_id: int) -> None:
    """Bulk loads (demo data): the primaries of customers first_id..last_id, from their
    e-mail, phone and website columns, one INSERT ... SELECT per kind, as migration 0006."""
    for kind, column in COLUMN.items():
        value = getattr(Customer, column)
        key = {"email": col(Customer.email_key), "phone": col(Customer.phone_digits)}.get(
            kind, func.lower(value)
        )
        source = select(
            col(Customer.id), literal(kind), value, key, literal("other"), true(), true(),
            col(Customer.created_at), literal(1),
        ).where(col(Customer.id).between(first_id, last_id), value.is_not(None), value != "")  # fmt: skip
        session.execute(
            insert(ContactPoint).from_select(
                [
                    "customer_id",
                    "kind",
                    "value",
                    "value_key",
                    "label",
                    "is_primary",
                    "verified",
                    "created_at",
                    "version",
                ],
                source,
            )  # fmt: skip
        )


class ContactPointService:
    """Add, label, remove and choose the primary e-mail, phone or web address."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, customer_id: int) -> builtins.list[ContactPoint]:
        with self.ctx.read() as session:
            return points_of(session, customer_id)

    def add(self, customer_id: int, kind: str, value: str, label: str = "other") -> ContactPoint:
        point = clean_point(kind, value, label, self.ctx.default_region)
        with self.ctx.write() as session:
            customer = child_rows.live_customer(session, customer_id)
            if find(session, customer_id, point) is not None:
                raise ValidationError("value", f"The customer already has {point.value}.")
            row = insert_point(session, customer, point, self.ctx.actor)
            search_doc.refresh(session, customer_id)
            return row

    def relabel(self, point_id: int, label: str) -> None:
        check_label(label)
        with self.ctx.write() as session:
            row = child_rows.load_child(session, ContactPoint, point_id)
            child_rows.live_customer(session, row.customer_id)
            child_rows.apply_changes(session, row, {"label": label}, entity="contact_point",
                                     actor=self.ctx.actor, expected_version=None)  # fmt: skip

    def set_primary(self, point_id: int) -> None:
        with self.ctx.write() as session:
            row = child_rows.load_child(session, ContactPoint, point_id)
            customer = child_rows.live_customer(session, row.customer_id)
            make_primary(session, customer, row, self.ctx.actor)
            search_doc.refresh(session, row.customer_id)

    def remove(self, point_id: int) -> None:
        """Remove one; a removed primary hands over to the next of its kind (or clears it)."""
        with self.ctx.write() as session:
            row = child_rows.load_child(session, ContactPoint, point_id)
            customer = child_rows.live_customer(session, row.customer_id)
            remove_point(session, customer, row, self.ctx.actor)
            search_doc.refresh(session, customer.id or 0)


def check_label(label: str) -> None:
    if label not in LABELS:
        raise ValidationError("label", f"The label {label!r} is unknown; use {', '.join(LABELS)}.")


def find(session: Session, customer_id: int, point: PointValue) -> ContactPoint | None:
    """The customer's stored point of the same kind and value, if any."""
    return next((p for p in points_of(session, customer_id)
                 if p.kind == point.kind and p.value_key == point.value_key), None)  # fmt: skip


def insert_point(
    session: Session, customer: Customer, point: PointValue, actor: str
) -> ContactPoint:
    """Add a checked point; the first of its kind becomes the primary."""
    assert customer.id is not None
    first = not any(p.kind == point.kind for p in points_of(session, customer.id))
    row = ContactPoint(customer_id=customer.id, kind=point.kind, value=point.value,
                       value_key=point.value_key, label=point.label, verified=point.verified)  # fmt: skip
    session.add(row)
    child_rows.record_create(session, row, "contact_point", actor,
                             {"kind": point.kind, "value": point.value, "label": point.label})  # fmt: skip
    if first:
        make_primary(session, customer, row, actor)
    return row


def remove_point(session: Session, customer: Customer, row: ContactPoint, actor: str) -> None:
    """Delete one, with history; a removed primary hands over to the next of its kind."""
    kind, was_primary = row.kind, row.is_primary
    child_rows.record_delete(session, row, "contact_point", actor, row.value)
    if was_primary:
        successor = next((p for p in points_of(session, customer.id or 0) if p.kind == kind), None)
        if successor is not None:
            make_primary(session, customer, successor, actor)
        else:
            _set_column(session, customer, kind, None, actor)


def make_primary(session: Session, customer: Customer, row: ContactPoint, actor: str) -> None:
    """`row` the primary of its kind, and its value the customer's own column."""
    for other in points_of(session, customer.id or 0):
        if other.kind == row.kind and other.is_primary and other.id != row.id:
            other.is_primary = False
    row.is_primary = True
    _set_column(session, customer, row.kind, row.value, actor)


def _set_column(
    session: Session, customer: Customer, kind: str, value: str | None, actor: str
) -> None:
    column = COLUMN[kind]
    old = getattr(customer, column)
    if old == value or not mirrors(customer, kind):
        session.flush()
        return
    if kind == "email" and value is not None:
        taken = session.scalar(select(func.count()).select_from(Customer).where(
            col(Customer.email_key) == email_key(value), col(Customer.id) != customer.id))  # fmt: skip
        if taken:
            raise ValidationError(
                "email",
                f"{value} is another customer's e-mail; it cannot be this one's primary.",
            )
    setattr(customer, column, value)
    values = {f: getattr(customer, f) for f in ("email", "phone", "kind", "first_name",
                                                "last_name", "company_name")}  # fmt: skip
    for derived, derived_value in derived_columns(values).items():
        setattr(customer, derived, derived_value)
    customer.version += 1
    customer.updated_at = utcnow()
    session.flush()
    history.record(session, actor=actor, customer_id=customer.id or 0,
                   entity="customer", entity_id=customer.id or 0, action="update",
                   version=customer.version, changes={column: (old, value)})  # fmt: skip
