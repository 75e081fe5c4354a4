"""E-mails, phones and web addresses saved together with their customer (the wizard's).

Checked before anything is written, like the other children (a refusal names
the point: "point", its place among the new ones or its stored id). Written
after the customer's own fields, whose e-mail, phone and website the
primaries already follow: removals first (one already gone is fine: a
changed e-mail may have taken its place), then label and primary changes,
then new points; a new point the customer already has (the primary the
e-mail field just made, say) only takes the label and primary flag given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm_tui.models import ContactPoint, Customer
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.child_rows import naming
from crm_tui.services.customers.contact_points import (
    PointValue,
    check_label,
    clean_point,
    find,
    insert_point,
    make_primary,
    remove_point,
)
from crm_tui.services.customers.inputs import PointCreate, PointEdit
from crm_tui.services.errors import ValidationError
from crm_tui.services.search import document as search_doc


@dataclass(frozen=True)
class NewPoint:
    """A new point, checked."""

    point: PointValue
    primary: bool


@dataclass
class PointWrites:
    """One save's point changes, checked."""

    removed: list[int] = field(default_factory=list)
    edits: list[PointEdit] = field(default_factory=list)
    new: list[NewPoint] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.edits or self.new)


def check_new_point(data: PointCreate, region: str) -> NewPoint:
    """One new point by the rules a clerk's typing meets (raises ValidationError)."""
    if not (data.kind or "").strip():
        raise ValidationError("kind", "Say whether it is an e-mail, a phone or a web address.")
    if not (data.value or "").strip():
        raise ValidationError("value", "The value is required.")
    point = clean_point(data.kind or "", data.value or "", data.label or "other", region)
    return NewPoint(point, bool(data.is_primary))


def check_edit(edit: PointEdit) -> None:
    if edit.changes.label is not None:
        check_label(edit.changes.label)


def write_points(session: Session, *, actor: str, customer: Customer, writes: PointWrites) -> None:
    """Make the checked changes (a refusal names the point, see child_rows.naming)."""
    assert customer.id is not None
    if not writes:
        return
    for row_id in writes.removed:
        row = session.get(ContactPoint, row_id)
        if row is not None and row.customer_id == customer.id:
            remove_point(session, customer, row, actor)
    for edit in writes.edits:
        with naming("point", row_id=edit.id):
            row = child_rows.load_child(session, ContactPoint, edit.id, customer.id)
            _apply(session, customer, row, edit.changes.label, edit.changes.is_primary, actor)
    for index, new in enumerate(writes.new):
        with naming("point", index=index):
            held = find(session, customer.id, new.point)
            if held is None:
                held = insert_point(session, customer, new.point, actor)
            _apply(session, customer, held, new.point.label, new.primary, actor)
    session.flush()
    search_doc.refresh(session, customer.id)


def _apply(
    session: Session,
    customer: Customer,
    row: ContactPoint,
    label: str | None,
    primary: bool | None,
    actor: str,
) -> None:
    if label is not None and label != row.label:
        child_rows.apply_changes(session, row, {"label": label}, entity="contact_point",
                                 actor=actor, expected_version=None)  # fmt: skip
    if primary and not row.is_primary:
        make_primary(session, customer, row, actor)
