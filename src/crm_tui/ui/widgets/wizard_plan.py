"""What the wizard saves, and how: no widgets here, only services.

`plan_new`/`plan_edit` check the whole draft with the service rules before
anything is written (so a bad address does not leave a half-made customer),
then list the calls to make. `run_plan` makes them in a worker thread,
dropping each from the plan once done: after a conflict the screen can retry
the failed call with the current version and continue where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.customers.addresses import clean_address
from crm_tui.services.customers.notes import clean_note
from crm_tui.services.customers.rules import BUSINESS_ONLY, check_whole
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.errors import ValidationError
from crm_tui.services.lookups.wizard import WizardLookups
from crm_tui.services.registry import Services
from crm_tui.services.validation import format_phone
from crm_tui.ui.widgets.wizard_children import ChildState
from crm_tui.ui.widgets.wizard_children import Entity as ChildEntity
from crm_tui.ui.widgets.wizard_fields import FieldValue

Entity = Literal["customer", "address", "contact", "note"]
OpKind = Literal[
    "create", "update", "tags", "address_add", "address_update", "address_remove",
    "contact_add", "contact_update", "contact_remove", "note_add",
]  # fmt: skip


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


@dataclass
class Op:
    """One service call still to make."""

    kind: OpKind
    data: dict[str, Any] = field(default_factory=dict)
    row_id: int | None = None
    version: int | None = None


@dataclass
class SavePlan:
    """The calls left to make; `customer_id` is known once the customer exists."""

    customer_id: int | None
    ops: list[Op]
    created: bool = False


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
        rows.append(ChildRow("address", a.id or 0, a.version, values))
    for c in services.contacts.list(customer_id):
        values = _text_values(c, ("first_name", "last_name", "email", "title", "department"))
        values["phone"] = format_phone(c.phone)
        values["is_primary"] = c.is_primary
        rows.append(ChildRow("contact", c.id or 0, c.version, values))
    return WizardStart(lookups, customer, tuple(rows))


def check_field(
    services: Services, entity: Entity, name: str, raw: FieldValue, lookups: WizardLookups
) -> Any:
    """The service's verdict on one value (raises ValidationError); the billing group is
    typed by name and checked against the known groups."""
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


def _child_ops(services: Services, draft: WizardDraft) -> list[Op]:
    ops: list[Op] = []
    adds: list[Op] = []
    for index, child in enumerate(draft.children):
        if child.entity == "contact" and not _is_business(draft):
            continue
        try:
            if child.row_id is None:
                if child.removed or child.blank:
                    continue
                data = {k: v for k, v in child.values.items() if v != ""}
                _clean_child(services, child.entity, data, partial=False)
                adds.append(Op(f"{child.entity}_add", data))  # type: ignore[arg-type]
            elif child.removed:
                ops.append(Op(f"{child.entity}_remove", row_id=child.row_id))  # type: ignore[arg-type]
            elif child.changes:
                changes = dict(child.changes)
                if changes.get("is_primary") is False:
                    # The service keeps exactly one primary; checking another one is how it moves.
                    del changes["is_primary"]
                _clean_child(services, child.entity, changes, partial=True)
                if changes:
                    kind = f"{child.entity}_update"
                    ops.append(Op(kind, changes, child.row_id, child.version))  # type: ignore[arg-type]
        except ValidationError as error:
            raise ChildProblem(index, error.field, error.message) from error
    return ops + adds


def _clean_child(services: Services, entity: str, data: dict[str, Any], *, partial: bool) -> None:
    if entity == "address":
        clean_address({"kind": "billing", **data} if not partial else data, partial=partial)
    else:
        services.contacts.clean(data, partial=partial)


def _note_ops(draft: WizardDraft) -> list[Op]:
    note = {k: v for k, v in draft.note.items() if v.strip()}
    if not note:
        return []
    try:
        clean_note(note)
    except ValidationError as error:
        raise ValidationError(f"note_{error.field}", error.message) from error
    return [Op("note_add", note)]


def plan_new(services: Services, draft: WizardDraft) -> SavePlan:
    """Check the whole draft, then: create (with tags), children, the first note."""
    values = _customer_values(draft)
    cleaned = {
        name: services.customers.validate_field(name, raw)
        for name, raw in values.items()
        if raw != ""
    }
    cleaned.setdefault("kind", CustomerKind.INDIVIDUAL.value)
    cleaned.setdefault("status", CustomerStatus.ACTIVE.value)
    check_whole(dict(cleaned))
    data = {name: raw for name, raw in values.items() if raw != ""}
    ops = [Op("create", data)]
    ops += _child_ops(services, draft)
    ops += _note_ops(draft)
    return SavePlan(customer_id=None, ops=ops)


def plan_edit(services: Services, draft: WizardDraft, original: CustomerRead) -> SavePlan:
    """Only what changed: the changed fields, tags if different, touched children."""
    stored = original.field_values()
    values = _customer_values(draft)
    changes: dict[str, FieldValue] = {}
    for name, raw in values.items():
        cleaned = services.customers.validate_field(name, raw)
        if cleaned != stored.get(name) and not (cleaned in (None, "") and not stored.get(name)):
            changes[name] = raw
    merged = {**stored, **{k: services.customers.validate_field(k, v) for k, v in changes.items()}}
    check_whole(merged)
    ops: list[Op] = []
    if changes:
        ops.append(Op("update", dict(changes), original.id, original.version))
    if {t.casefold() for t in draft.tags} != {t.casefold() for t in original.tags}:
        ops.append(Op("tags", {"tags": list(draft.tags)}))
    ops += _child_ops(services, draft)
    ops += _note_ops(draft)
    return SavePlan(customer_id=original.id, ops=ops)


def run_plan(services: Services, plan: SavePlan, tags: list[str]) -> int:
    """Make the calls in order, dropping each once it succeeded. Runs in a thread."""
    while plan.ops:
        op = plan.ops[0]
        _run_op(services, plan, op, tags)
        plan.ops.pop(0)
    assert plan.customer_id is not None
    return plan.customer_id


def _run_op(services: Services, plan: SavePlan, op: Op, tags: list[str]) -> None:
    cid = plan.customer_id
    if op.kind == "create":
        plan.customer_id = services.customers.create(op.data, tags=tags).id
        plan.created = True
        return
    assert cid is not None
    match op.kind:
        case "update":
            services.customers.update(cid, op.data, expected_version=op.version or 0)
        case "tags":
            services.customers.set_tags(cid, op.data["tags"])
        case "address_add":
            services.addresses.add(cid, op.data)
        case "address_update":
            assert op.row_id is not None
            services.addresses.update(op.row_id, op.data, expected_version=op.version)
        case "address_remove":
            assert op.row_id is not None
            services.addresses.remove(op.row_id)
        case "contact_add":
            data = dict(op.data)
            wants_primary = bool(data.pop("is_primary", False))
            contact = services.contacts.add(cid, data)
            if wants_primary and not contact.is_primary and contact.id is not None:
                services.contacts.set_primary(contact.id)
        case "contact_update":
            assert op.row_id is not None
            services.contacts.update(op.row_id, op.data, expected_version=op.version)
        case "contact_remove":
            assert op.row_id is not None
            services.contacts.remove(op.row_id)
        case "note_add":
            services.notes.add(cid, op.data)
