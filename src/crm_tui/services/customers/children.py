"""A customer's addresses, contacts and notes saved together with it, in its transaction.

The wizard saves a customer with everything typed on its pages in one go:
`customers.create(CustomerCreate(..., addresses=..., contacts=..., notes=...))`
and `customers.update(id, CustomerUpdate(..., address_edits=..., ...))`. Every
child is checked before anything is written (`check_new`/`check_edits`); a
refusal names the child (`ChildRefused`: its kind, and its place among the new
ones or its stored id) and the field, with the child's own message. Anything
refused while writing rolls the whole save back, so a customer is never half
saved. The rules are the ones each child's own service uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from crm_tui.models import Address, Contact, Customer
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.addresses import (
    change_address,
    clean_address,
    delete_address,
    insert_address,
    new_address_values,
)
from crm_tui.services.customers.child_rows import naming
from crm_tui.services.customers.contacts import (
    change_contact,
    clean_contact,
    delete_contact,
    insert_contact,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.customers.notes import insert_note, new_note_values
from crm_tui.services.customers.point_writes import (
    PointWrites,
    check_edit,
    check_new_point,
    write_points,
)

T = TypeVar("T")
V = TypeVar("V")
Values = dict[str, Any]


@dataclass(frozen=True)
class Edit:
    """Checked changes to one stored child."""

    row_id: int
    version: int | None
    cleaned: Values


@dataclass
class ChildWrites:
    """Every child change of one save, checked, in the order they are written:
    edits and removals of stored ones by kind ("address", "contact"), then new ones."""

    edits: dict[str, list[Edit]] = field(default_factory=dict)
    removed: dict[str, list[int]] = field(default_factory=dict)
    new_addresses: list[Values] = field(default_factory=list)
    new_contacts: list[Values] = field(default_factory=list)
    new_notes: list[Values] = field(default_factory=list)
    points: PointWrites = field(default_factory=PointWrites)


def _check_each(entity: str, items: list[T], check: Callable[[T], V]) -> list[V]:
    out = []
    for index, item in enumerate(items):
        with naming(entity, index=index):
            out.append(check(item))
    return out


def _new_ones(
    addresses: list[AddressCreate],
    contacts: list[ContactCreate],
    notes: list[NoteCreate],
    region: str,
) -> ChildWrites:
    return ChildWrites(
        new_addresses=_check_each("address", addresses, lambda a: new_address_values(a, region)),
        new_contacts=_check_each("contact", contacts, lambda c: clean_contact(c.given(), region)),
        new_notes=_check_each("note", notes, new_note_values),
    )


def check_new(data: CustomerCreate, region: str) -> ChildWrites:
    """The children of a new customer, checked (ChildRefused names a refused one)."""
    writes = _new_ones(data.addresses, data.contacts, data.notes, region)
    writes.points.new = _check_each("point", data.points, lambda p: check_new_point(p, region))
    return writes


def check_edits(data: CustomerUpdate, region: str) -> ChildWrites:
    """The child changes of an edit, checked (ChildRefused names a refused one)."""
    writes = _new_ones(data.new_addresses, data.new_contacts, data.new_notes, region)
    writes.edits["address"] = []
    for address in data.address_edits:
        with naming("address", row_id=address.id):
            cleaned = clean_address(address.changes.given(), partial=True)
        writes.edits["address"].append(Edit(address.id, address.version, cleaned))
    writes.edits["contact"] = []
    for contact in data.contact_edits:
        with naming("contact", row_id=contact.id):
            cleaned = clean_contact(contact.changes.given(), region, partial=True)
        writes.edits["contact"].append(Edit(contact.id, contact.version, cleaned))
    writes.removed = {"address": data.removed_addresses, "contact": data.removed_contacts}
    for edit in data.point_edits:
        with naming("point", row_id=edit.id):
            check_edit(edit)
    writes.points = PointWrites(
        removed=list(data.removed_points),
        edits=list(data.point_edits),
        new=_check_each("point", data.new_points, lambda p: check_new_point(p, region)),
    )
    return writes


# The stored children an edit can change or remove: kind, table, change, delete.
_STORED: tuple[
    tuple[str, type[Address] | type[Contact], Callable[..., None], Callable[..., None]], ...
] = (
    ("address", Address, change_address, delete_address),
    ("contact", Contact, change_contact, delete_contact),
)


def write(session: Session, *, actor: str, customer: Customer, writes: ChildWrites) -> None:
    """Make the checked changes to `customer`'s children, in the session's transaction."""
    assert customer.id is not None
    for entity, model, change, delete in _STORED:
        for edit in writes.edits.get(entity, []):
            with naming(entity, row_id=edit.row_id):
                row = child_rows.load_child(session, model, edit.row_id, customer.id)
                change(session, row, actor=actor, cleaned=dict(edit.cleaned),
                       expected_version=edit.version)  # fmt: skip
        for row_id in writes.removed.get(entity, []):
            delete(session, child_rows.load_child(session, model, row_id, customer.id), actor=actor)
    _add_new(session, actor=actor, customer=customer, writes=writes)
    write_points(session, actor=actor, customer=customer, writes=writes.points)


def _add_new(session: Session, *, actor: str, customer: Customer, writes: ChildWrites) -> None:
    assert customer.id is not None
    for index, values in enumerate(writes.new_addresses):
        with naming("address", index=index):
            insert_address(session, actor=actor, customer_id=customer.id, values=dict(values))
    for index, values in enumerate(writes.new_contacts):
        with naming("contact", index=index):
            _add_contact(session, actor=actor, customer=customer, values=dict(values))
    for index, values in enumerate(writes.new_notes):
        with naming("note", index=index):
            insert_note(session, actor=actor, customer_id=customer.id, values=dict(values))


def _add_contact(session: Session, *, actor: str, customer: Customer, values: Values) -> None:
    # Ticked as primary on the form means "make this one the primary": add it, then move it.
    wants_primary = bool(values.pop("is_primary", False))
    contact = insert_contact(session, actor=actor, customer=customer, values=values)
    if wants_primary and not contact.is_primary:
        change_contact(session, contact, actor=actor, cleaned={"is_primary": True},
                       expected_version=None)  # fmt: skip
