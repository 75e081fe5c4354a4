"""What the wizard saves: the draft turned into one service input. No widgets here.

`plan_new`/`plan_edit` build a `CustomerCreate` (the customer with its tags,
addresses, contacts and first note) or a `CustomerUpdate` (changed fields,
tags if different, touched children). `save` hands it to the customer
service in a worker thread: one call, one transaction, so a refused address
leaves nothing written. A refusal comes back naming the child, which
`WizardSave.problem` turns into the form and field to mark; after a conflict
`WizardSave.reapply` takes the row's current version and the screen saves again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.customers.addresses import clean_address
from crm_tui.services.customers.contact_points import check_label, clean_point
from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressEdit,
    AddressUpdate,
    ContactCreate,
    ContactEdit,
    ContactUpdate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.customers.notes import clean_note
from crm_tui.services.customers.rules import BUSINESS_ONLY
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.errors import ChildRefused, ConflictError, ValidationError
from crm_tui.services.lookups.wizard import WizardLookups
from crm_tui.services.phones import format_phone
from crm_tui.services.registry import Services
from crm_tui.ui.widgets.wizard.children import ChildState
from crm_tui.ui.widgets.wizard.children import Entity as ChildEntity
from crm_tui.ui.widgets.wizard.fields import FieldValue
from crm_tui.ui.widgets.wizard.point_plan import plan_points, point_forms

Entity = Literal["customer", "address", "contact", "note", "point"]


class ChildProblem(ValidationError):
    """A child form (address or contact number `index`) holds a refused value."""

    def __init__(self, index: int, field: str, message: str) -> None:
        super().__init__(field, message)
        self.index = index


@dataclass
class WizardDraft:
    """Everything the wizard holds, as typed (billing group already as its id)."""

    customer: dict[str, FieldValue]
    tags: list[str]
    children: list[ChildState]
    note: dict[str, str]

    def identity(self) -> tuple[str, str, str]:
        """Name, phone and e-mail, as the duplicate finder takes them."""
        c = self.customer
        person = " ".join(str(c.get(k) or "") for k in ("first_name", "last_name")).strip()
        name = str(c.get("company_name") or "") if _is_business(self) else person
        return (name or person, str(c.get("phone") or ""), str(c.get("email") or ""))


@dataclass(frozen=True)
class ChildRow:
    """A stored address or contact, as its form shows it."""

    entity: ChildEntity
    row_id: int
    version: int
    values: dict[str, FieldValue]


@dataclass(frozen=True)
class WizardStart:
    """What the wizard opens with: completions, and for an edit the stored customer."""

    lookups: WizardLookups
    customer: CustomerRead | None = None
    children: tuple[ChildRow, ...] = ()

    def suggestions(self) -> dict[str, tuple[str, ...]]:
        """Completion lists by the name field specs use in `suggest`."""
        lk = self.lookups
        return {
            "industries": lk.industries,
            "business_types": lk.business_types,
            "segments": lk.segments,
            "languages": lk.languages,
            "currencies": lk.currencies,
            "countries": lk.countries,
            "tags": lk.tags,
            "billing_groups": tuple(g.name for g in lk.billing_groups),
        }


def _text_values(row: Any, names: tuple[str, ...]) -> dict[str, FieldValue]:
    return {name: "" if getattr(row, name) is None else str(getattr(row, name)) for name in names}


def read_start(services: Services, customer_id: int | None) -> WizardStart:
    """Everything the wizard needs to open (runs in a thread)."""
    lookups = services.wizard_lookups.load()
    if customer_id is None:
        return WizardStart(lookups)
    customer = services.customers.get(customer_id)
    rows: list[ChildRow] = []
    for a in services.addresses.list(customer_id):
        values = _text_values(
            a, ("kind", "line1", "line2", "city", "region", "postal_code", "country")
        )
        values["is_default_billing"] = a.is_default_billing
        rows.append(ChildRow("address", a.id, a.version, values))
    for c in services.contacts.list(customer_id):
        values = _text_values(c, ("first_name", "last_name", "email", "title", "department"))
        values["phone"] = format_phone(c.phone)
        values["is_primary"] = c.is_primary
        rows.append(ChildRow("contact", c.id, c.version, values))
    for p in services.contact_points.list(customer_id):
        value = format_phone(p.value) if p.kind == "phone" else p.value
        point: dict[str, FieldValue] = {"kind": p.kind, "value": value, "label": p.label,
                                        "is_primary": p.is_primary}  # fmt: skip
        rows.append(ChildRow("point", p.id or 0, p.version, point))
    return WizardStart(lookups, customer, tuple(rows))


def check_field(
    services: Services,
    entity: Entity,
    name: str,
    raw: FieldValue,
    lookups: WizardLookups,
    kind: str = "",
) -> Any:
    """The service's verdict on one value (raises ValidationError); the billing group is
    typed by name and checked against the known groups; `kind` is a point's."""
    if entity == "point":
        if name == "value":
            return clean_point(kind, str(raw), "other", services.ctx.default_region).value
        if name == "label":
            check_label(str(raw))
        return raw
    if entity == "customer" and name == "billing_group_id":
        group = str(raw).strip()
        group_id = lookups.billing_group_id(group) if group else None
        if group and group_id is None:
            raise ValidationError(
                name,
                f"There is no billing group named {group!r}; "
                "type its first letters and press → to pick one.",
            )
        return group_id
    if entity == "customer":
        return services.customers.validate_field(name, raw)
    if entity == "address":
        return clean_address({name: raw}, partial=True)[name]
    if entity == "contact":
        return services.contacts.clean({name: raw}, partial=True)[name]
    key = name.removeprefix("note_")
    return clean_note({key: raw}, partial=True)[key]


def shown(name: str, cleaned: Any, raw: FieldValue) -> FieldValue:
    """What the field shows once the value is accepted (phones formatted, dates ISO)."""
    if name == "billing_group_id":
        return raw
    if name == "phone" and isinstance(cleaned, str):
        return format_phone(cleaned)
    if isinstance(cleaned, date):
        return cleaned.isoformat()
    if name in ("currency", "country", "vat_id") and isinstance(cleaned, str):
        return cleaned
    return raw


def display_values(customer: CustomerRead) -> dict[str, FieldValue]:
    """A stored customer as the wizard's fields show it."""
    out: dict[str, FieldValue] = {}
    for name, value in customer.field_values().items():
        if value is None:
            out[name] = ""
        elif name == "phone":
            out[name] = format_phone(value)
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def split_tags(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _is_business(draft: WizardDraft) -> bool:
    return draft.customer.get("kind") == CustomerKind.BUSINESS


def _customer_values(draft: WizardDraft) -> dict[str, FieldValue]:
    values = dict(draft.customer)
    if not _is_business(draft):
        for name in BUSINESS_ONLY:
            values[name] = ""
    if values.get("status") != CustomerStatus.BLOCKED:
        values["status_reason"] = ""
    return values


@dataclass
class WizardSave:
    """One save of the wizard: the service input, and which form each child came from.

    `forms` maps a child as the service names it in a refusal (kind, place
    among the new ones, stored id) to its form's place on the children page.
    """

    customer_id: int | None
    data: CustomerCreate | CustomerUpdate
    expected_version: int = 0
    forms: dict[tuple[str, int | None, int | None], int] = field(default_factory=dict)

    def problem(self, error: ValidationError) -> ValidationError:
        """A refusal as the screen places it: beside a child's field, or a note's."""
        if not isinstance(error, ChildRefused):
            return error
        if error.entity == "note":
            return ValidationError(f"note_{error.field}", error.message)
        form = self.forms.get((error.entity, error.index, error.row_id))
        if form is None:
            return ValidationError("", error.message)
        return ChildProblem(form, error.field, error.message)

    def reapply(self, error: ConflictError) -> None:
        """Save again over the other clerk's values: take the row's current version."""
        if error.entity == "customer" or not isinstance(self.data, CustomerUpdate):
            self.expected_version = error.current_version
            return
        edits: list[AddressEdit] | list[ContactEdit]
        edits = self.data.address_edits if error.entity == "address" else self.data.contact_edits
        for edit in edits:
            if edit.id == error.row_id:
                edit.version = error.current_version


def save(services: Services, plan: WizardSave) -> int:
    """Make the save: one service call, one transaction. Runs in a thread."""
    if isinstance(plan.data, CustomerCreate):
        return services.customers.create(plan.data).id
    assert plan.customer_id is not None
    services.customers.update(plan.customer_id, plan.data, expected_version=plan.expected_version)
    return plan.customer_id


def _typed(values: dict[str, FieldValue]) -> dict[str, FieldValue]:
    return {k: v for k, v in values.items() if v != ""}


@dataclass
class _Children:
    """The draft's address and contact forms, sorted into new ones, edits and removals."""

    new_addresses: list[AddressCreate] = field(default_factory=list)
    new_contacts: list[ContactCreate] = field(default_factory=list)
    address_edits: list[AddressEdit] = field(default_factory=list)
    contact_edits: list[ContactEdit] = field(default_factory=list)
    removed_addresses: list[int] = field(default_factory=list)
    removed_contacts: list[int] = field(default_factory=list)

    def add_new(self, child: ChildState) -> int:
        """Add a new child; its place among the new ones of its kind."""
        values = _typed(child.values)
        if child.entity == "address":
            self.new_addresses.append(AddressCreate(**values))
            return len(self.new_addresses) - 1
        self.new_contacts.append(ContactCreate(**values))
        return len(self.new_contacts) - 1

    def add_edit(self, child: ChildState, row_id: int, changes: dict[str, FieldValue]) -> None:
        if child.entity == "address":
            update = AddressUpdate(**changes)
            self.address_edits.append(AddressEdit(id=row_id, version=child.version, changes=update))
        else:
            contact = ContactUpdate(**changes)
            self.contact_edits.append(
                ContactEdit(id=row_id, version=child.version, changes=contact)
            )

    def add_removal(self, child: ChildState, row_id: int) -> None:
        removed = self.removed_addresses if child.entity == "address" else self.removed_contacts
        removed.append(row_id)


def _children(draft: WizardDraft, plan: WizardSave) -> _Children:
    kids = _Children()
    for index, child in enumerate(draft.children):
        if child.entity == "point" or (child.entity == "contact" and not _is_business(draft)):
            continue
        if child.row_id is None:
            if not (child.removed or child.blank):
                plan.forms[(child.entity, kids.add_new(child), None)] = index
        elif child.removed:
            kids.add_removal(child, child.row_id)
        elif child.changes:
            changes = dict(child.changes)
            if changes.get("is_primary") is False:
                # The service keeps exactly one primary; checking another one is how it moves.
                del changes["is_primary"]
            if changes:
                plan.forms[(child.entity, None, child.row_id)] = index
                kids.add_edit(child, child.row_id, changes)
    return kids


def _notes(draft: WizardDraft) -> list[NoteCreate]:
    note = {k: v for k, v in draft.note.items() if v.strip()}
    return [NoteCreate(**note)] if note else []


def plan_new(draft: WizardDraft, region: str) -> WizardSave:
    """The input for a new customer with everything typed on the wizard's pages."""
    values = _typed(_customer_values(draft))
    plan = WizardSave(None, CustomerCreate())
    kids = _children(draft, plan)
    plan.data = CustomerCreate(
        **values,
        tags=list(draft.tags),
        addresses=kids.new_addresses,
        contacts=kids.new_contacts,
        notes=_notes(draft),
        points=plan_points(
            point_forms(draft.children, draft.customer, _is_business(draft)), plan.forms, region
        ).new,
    )
    return plan


def plan_edit(services: Services, draft: WizardDraft, original: CustomerRead) -> WizardSave:
    """Only what changed: the changed fields, tags if different, touched children."""
    stored = original.field_values()
    changes: dict[str, FieldValue] = {}
    for name, raw in _customer_values(draft).items():
        cleaned = services.customers.validate_field(name, raw)
        if cleaned != stored.get(name) and not (cleaned in (None, "") and not stored.get(name)):
            changes[name] = raw
    tags = None
    if {t.casefold() for t in draft.tags} != {t.casefold() for t in original.tags}:
        tags = list(draft.tags)
    plan = WizardSave(original.id, CustomerUpdate(), original.version)
    kids = _children(draft, plan)
    points = plan_points(
        point_forms(draft.children, draft.customer, _is_business(draft)),
        plan.forms,
        services.ctx.default_region,
    )
    plan.data = CustomerUpdate(
        **changes,
        tags=tags,
        address_edits=kids.address_edits,
        removed_addresses=kids.removed_addresses,
        new_addresses=kids.new_addresses,
        contact_edits=kids.contact_edits,
        removed_contacts=kids.removed_contacts,
        new_contacts=kids.new_contacts,
        new_notes=_notes(draft),
        point_edits=points.edits,
        removed_points=points.removed,
        new_points=points.new,
    )
    return plan
