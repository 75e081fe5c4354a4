"""A batch of exported customers' own rows: e-mails, phones, web addresses, addresses,
custom fields and notes, one range query each (like the tags), and how many columns the
widest customer of a selection needs for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
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


IdRange = tuple[int | None, int | None]  # customer ids after the first, up to the second
ALL: IdRange = (None, None)


def widths(session: Session, where: list[ColumnElement[bool]], part: IdRange = ALL) -> Widths:
    """Counted in the database over the selection (`where` on Customer); the counts only
    over the `part` of its ids given (the other part counted elsewhere, `Widths.widest`)."""
    return replace(counts(session, where, part), custom=custom_names(session, where))


def counts(session: Session, where: list[ColumnElement[bool]], part: IdRange = ALL) -> Widths:
    """The e-mail, phone, web, address and note counts of `widths`; no custom names.

    Each table's rows are counted per customer first (its customer_id index, in order:
    no sort), and only then looked up in the selection: one customer row read per
    customer, not per child row. The fixed columns hold the first e-mail, phone, web
    address and address, so only a customer needing two or more adds columns: the others
    are never looked up, and those counts are at least one."""
    points = _point_counts(session, where, part)
    addresses = max(1, _most(session, Address, where, part, at_least=2))
    return Widths(points, addresses, _most(session, Note, where, part), ())


def _within(model: Any, part: IdRange) -> list[ColumnElement[bool]]:
    after, up_to = part
    out: list[ColumnElement[bool]] = []
    if after is not None:
        out.append(model.customer_id > after)
    if up_to is not None:
        out.append(model.customer_id <= up_to)
    return out


def _selected(query: Select[Any], customer_id: Any, where: list[ColumnElement[bool]]) -> Any:
    """`query` over per-customer counts, for the customers of the selection only."""
    return query.join(Customer, col(Customer.id) == customer_id).where(*where)


def _point_counts(
    session: Session, where: list[ColumnElement[bool]], part: IdRange
) -> dict[str, int]:
    """The most columns a customer's e-mails, phones and web addresses need (at least
    one): a kind with no primary (its column was cleared) keeps the primary's column
    empty, so it needs one more."""
    kind, primary = col(ContactPoint.kind), col(ContactPoint.is_primary)
    # The kind and the numbers in the statement's text: as bound parameters, SQLite took
    # twice as long (4.6 against 2.3 s CPU over the 3 million points of 1M customers).
    one, none = literal_column("1", Integer), literal_column("0", Integer)
    slots = []
    for name in POINT_KINDS:
        this = kind == literal_column(f"'{name}'")
        count = func.sum(case((this, one), else_=none))
        primaries = func.max(case((and_(this, primary), one), else_=none))
        slots.append(case((count > none, count + one - primaries), else_=none))
    per_customer = (
        select(col(ContactPoint.customer_id).label("customer_id"),
               *(slot.label(name) for slot, name in zip(slots, POINT_KINDS, strict=True)))
        .where(*_within(ContactPoint, part))
        .group_by(col(ContactPoint.customer_id))
        .having(or_(*(slot > one for slot in slots)))
        .subquery()
    )  # fmt: skip
    most = select(*(func.max(per_customer.c[name]) for name in POINT_KINDS))
    found = session.execute(_selected(most, per_customer.c.customer_id, where)).one()
    return {name: max(1, int(n or 0)) for name, n in zip(POINT_KINDS, found, strict=True)}


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


def _most(
    session: Session,
    model: Any,
    where: list[ColumnElement[bool]],
    part: IdRange,
    at_least: int = 1,
) -> int:
    """The most rows of `model` a customer of the selection has (0 if under `at_least`)."""
    count = func.count()
    per_customer = (
        select(model.customer_id.label("customer_id"), count.label("n"))
        .where(*_within(model, part)).group_by(model.customer_id)
        .having(count >= at_least).subquery()
    )  # fmt: skip
    most = select(func.max(per_customer.c.n))
    return int(session.scalar(_selected(most, per_customer.c.customer_id, where)) or 0)


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
