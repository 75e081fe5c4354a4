"""What an import row adds to a customer already on file: tags, addresses, note, custom fields.

Only what the customer does not have yet is added (an import run twice
adds no second copy), each with its history, inside the batch's
transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Address, ContactPoint, CustomerTag, Note, Tag
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.common import ensure_tag
from crm_tui.services.customers import custom_fields
from crm_tui.services.customers.contact_points import PointValue, points_of
from crm_tui.services.imports.row_notes import NOTE_TITLE
from crm_tui.services.imports.rows import PreparedRow
from crm_tui.services.validation import text_key

__all__ = ["NOTE_TITLE", "add_extras", "extras_needed", "note_row", "point_rows"]


def extras_needed(session: Session, customer_id: int, row: PreparedRow) -> dict[str, Any]:
    """Tags, addresses, note and custom fields of the row that the customer lacks."""
    needed: dict[str, Any] = {"tags": [], "addresses": [], "notes": [], "custom": {}, "points": []}
    if row.tags:
        have = set(session.scalars(
            select(col(Tag.name_key)).join(CustomerTag, col(CustomerTag.tag_id) == col(Tag.id))
            .where(col(CustomerTag.customer_id) == customer_id)))  # fmt: skip
        needed["tags"] = [t for t in row.tags if text_key(t) not in have]
    if row.addresses:
        held = session.execute(
            select(col(Address.line1), col(Address.postal_code), col(Address.is_default_billing))
            .where(col(Address.customer_id) == customer_id)).all()  # fmt: skip
        has_default = any(a[2] for a in held)
        keys = {(text_key(a[0]), a[1] or "") for a in held}
        for address in row.addresses:
            key = (text_key(address["line1"]), address.get("postal_code") or "")
            if key not in keys:
                keys.add(key)
                default = address["kind"] == "billing" and not has_default
                needed["addresses"].append({**address, "is_default_billing": default})
                has_default = has_default or default
    if row.notes:
        held_notes = {(t, b) for t, b in session.execute(select(col(Note.title), col(Note.body))
                      .where(col(Note.customer_id) == customer_id))}  # fmt: skip
        needed["notes"] = [n for n in row.notes if (n["title"], n["body"]) not in held_notes]
    if row.custom:
        current = custom_fields.held(session, customer_id)
        needed["custom"] = {
            name: value
            for name, value in row.custom.items()
            if (field := current.get(text_key(name))) is None or field.value != value
        }
    if row.points:
        on_file = {(p.kind, p.value_key) for p in points_of(session, customer_id)}
        needed["points"] = [p for p in row.points if (p.kind, p.value_key) not in on_file]
    return needed


def add_extras(session: Session, cid: int, extras: dict[str, Any], actor: str) -> None:
    """Write what `extras_needed` found, with history."""
    if extras["tags"]:
        for name in extras["tags"]:
            session.add(CustomerTag(customer_id=cid, tag_id=ensure_tag(session, name)))
        history.record_customer(session, cid, actor=actor, action="update",
                                changes={"tags": (None, ", ".join(extras["tags"]))})  # fmt: skip
    for data in extras["addresses"]:
        address = Address(customer_id=cid, **data)
        session.add(address)
        session.flush()
        history.record(session, actor=actor, customer_id=cid, entity="address",
                       entity_id=address.id or 0, action="create", version=1,
                       changes={k: (None, v) for k, v in data.items() if v})  # fmt: skip
    for data in extras["notes"]:
        note = Note(**note_row(cid, data, actor))
        session.add(note)
        session.flush()
        history.record(session, actor=actor, customer_id=cid, entity="note",
                       entity_id=note.id or 0, action="create", version=1,
                       changes={"title": (None, note.title)})  # fmt: skip
    for name, value in extras["custom"].items():
        custom_fields.put(session, cid, name, value, actor)
    for point in extras["points"]:
        row = ContactPoint(customer_id=cid, kind=point.kind, value=point.value,
                           value_key=point.value_key, label=point.label, verified=point.verified)  # fmt: skip
        session.add(row)
        session.flush()
        history.record(session, actor=actor, customer_id=cid, entity="contact_point",
                       entity_id=row.id or 0, action="create", version=1,
                       changes={point.kind: (None, point.value)})  # fmt: skip
    session.flush()


def note_row(
    cid: int, data: dict[str, Any], actor: str, now: datetime | None = None
) -> dict[str, Any]:
    """A note's columns: the file's author and time when it gave them, else the importer and now."""
    return {**data, "customer_id": cid, "author": data.get("author") or actor,
            "created_at": data.get("created_at") or now or utcnow()}  # fmt: skip


def point_rows(cid: int, points: list[PointValue], now: datetime) -> list[dict[str, Any]]:
    """A new customer's contact points; the first of each kind is its primary."""
    rows: list[dict[str, Any]] = []
    seen_kinds: set[str] = set()
    for point in points:
        primary = point.kind not in seen_kinds
        seen_kinds.add(point.kind)
        rows.append({"customer_id": cid, "kind": point.kind, "value": point.value,
                     "value_key": point.value_key, "label": point.label,
                     "is_primary": primary, "verified": point.verified,
                     "created_at": now, "version": 1})  # fmt: skip
    return rows
