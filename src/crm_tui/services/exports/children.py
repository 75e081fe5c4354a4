"""A batch of exported customers' own rows: e-mails, phones, web addresses, addresses,
custom fields and notes, one range query each (like the tags), and how many columns the
widest customer of a selection needs for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Address, ContactPoint, Customer, CustomField, Note

POINT_KINDS = ("email", "phone", "web")
ADDRESS_FIELDS = ("kind", "line1", "line2", "city", "region", "postal_code", "country")
NOTE_FIELDS = ("type", "title", "body", "created_at", "follow_up_on", "done", "pinned",
               "visibility", "author", "duration_minutes", "outcome")  # fmt: skip


@dataclass(frozen=True)
class Widths:
    """The most of each a customer of the selection has; the custom field names used."""

    points: dict[str, int]
    addresses: int
    notes: int
    custom: tuple[str, ...]

    def widest(self, other: Widths) -> Widths:
        """These widths and another part's counted together (the names are these)."""
        points = {kind: max(count, other.points[kind]) for kind, count in self.points.items()}
        return replace(self, points=points, addresses=max(self.addresses, other.addresses),
                       notes=max(self.notes, other.notes))  # fmt: skip


def widths(
    session: Session, where: list[ColumnElement[bool]], part: Sequence[ColumnElement[bool]] = ()
) -> Widths:
    """Counted in the database over the selection (`where` on Customer); the counts only
    over the `part` of it given (the other part counted elsewhere, `Widths.widest`)."""
    return replace(counts(session, [*where, *part]), custom=custom_names(session, where))


def counts(session: Session, where: list[ColumnElement[bool]]) -> Widths:
    """The e-mail, phone, web, address and note counts of `widths`; no custom names."""
    points = _point_counts(session, where)
    return Widths(points, _most(session, Address, where), _most(session, Note, where), ())


def _point_counts(session: Session, where: list[ColumnElement[bool]]) -> dict[str, int]:
    """The most columns a customer's e-mails, phones and web addresses need: one pass
    over the contact points grouped by customer (the customer_id index, in order, so no
    sort); a kind with no primary (its column was cleared) keeps the primary's column
    empty, so it needs one more."""
    kind, primary = col(ContactPoint.kind), col(ContactPoint.is_primary)
    slots = []
    for name in POINT_KINDS:
        count = func.sum(case((kind == name, 1), else_=0))
        primaries = func.max(case((and_(kind == name, primary), 1), else_=0))
        slots.append(case((count > 0, count + 1 - primaries), else_=0).label(name))
    per_customer = (
        select(*slots)
        .select_from(ContactPoint)
        .join(Customer, col(Customer.id) == col(ContactPoint.customer_id))
        .where(*where)
        .group_by(col(ContactPoint.customer_id))
        .subquery()
    )
    most = session.execute(select(*(func.max(per_customer.c[name]) for name in POINT_KINDS)))
    return {name: int(found or 0) for name, found in zip(POINT_KINDS, most.one(), strict=True)}


def custom_names(session: Session, where: list[ColumnElement[bool]]) -> tuple[str, ...]:
    """The custom field names of the selection, in name_key order."""
    # By the exact name: customers that spell one field two ways keep their spelling.
    names = session.scalars(
        select(col(CustomField.name))
        .join(Customer, col(Customer.id) == col(CustomField.customer_id))
        .where(*where)
        .group_by(col(CustomField.name))
        .order_by(func.min(col(CustomField.name_key)), col(CustomField.name))
    ).all()
    return tuple(names)


def _most(session: Session, model: Any, where: list[ColumnElement[bool]]) -> int:
    per_customer: Select[Any] = (
        select(func.count().label("n"))
        .select_from(model)
        .join(Customer, col(Customer.id) == model.customer_id)
        .where(*where)
        .group_by(model.customer_id)
    )
    counts = per_customer.subquery()
    return int(session.scalar(select(func.max(counts.c.n))) or 0)


def _in_batch(model: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    # A range over the sorted batch, not IN (5,000 ids); see ExportService._tags.
    result: ColumnElement[bool] = model.customer_id.between(ids[0], ids[-1])
    return result


PointCells = list[tuple[str | None, str | None]]


def points(session: Session, ids: Sequence[int]) -> dict[int, dict[str, PointCells]]:
    """(value, label) by kind per customer, the primary first, then in the order added; a
    kind with no primary (its column was cleared) starts with (None, None), so the
    primary's columns stay empty and the others keep their numbers."""
    out: dict[int, dict[str, PointCells]] = {}
    query = (
        select(col(ContactPoint.customer_id), col(ContactPoint.kind), col(ContactPoint.value),
               col(ContactPoint.label), col(ContactPoint.is_primary))
        .where(_in_batch(ContactPoint, ids))
        .order_by(col(ContactPoint.customer_id), col(ContactPoint.is_primary).desc(),
                  col(ContactPoint.id))
    )  # fmt: skip
    for cid, kind, value, label, is_primary in session.execute(query):
        cells = out.setdefault(cid, {}).setdefault(kind, [])
        if not cells and not is_primary:
            cells.append((None, None))
        cells.append((value, label))
    return out


def addresses(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Every address per customer: the default billing first, then in the order added."""
    out: dict[int, list[dict[str, Any]]] = {}
    query = (
        select(col(Address.customer_id), *(getattr(Address, f) for f in ADDRESS_FIELDS))
        .where(_in_batch(Address, ids))
        .order_by(col(Address.customer_id), col(Address.is_default_billing).desc(),
                  col(Address.id))
    )  # fmt: skip
    for row in session.execute(query):
        out.setdefault(row[0], []).append(dict(zip(ADDRESS_FIELDS, row[1:], strict=True)))
    return out


def custom_fields(session: Session, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Custom field values per customer, by the name the selection's columns use."""
    out: dict[int, dict[str, str]] = {}
    query = (
        select(col(CustomField.customer_id), col(CustomField.name), col(CustomField.value))
        .where(_in_batch(CustomField, ids))
        .order_by(col(CustomField.customer_id), col(CustomField.name_key))
    )
    for cid, name, value in session.execute(query):
        out.setdefault(cid, {})[name] = value
    return out


def notes(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Every note per customer, oldest first."""
    out: dict[int, list[dict[str, Any]]] = {}
    query = (
        select(col(Note.customer_id), *(getattr(Note, f) for f in NOTE_FIELDS))
        .where(_in_batch(Note, ids))
        .order_by(col(Note.customer_id), col(Note.created_at), col(Note.id))
    )
    for row in session.execute(query):
        out.setdefault(row[0], []).append(dict(zip(NOTE_FIELDS, row[1:], strict=True)))
    return out
