"""What the wizard's e-mail, phone and web forms save: new ones, edits, removals.

No widgets here. A stored one whose value changed is removed and added
again: when the e-mail field changes, the service keeps the old e-mail
beside the new primary, and the form said it is gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crm_tui.services.customers.contact_points import clean_point
from crm_tui.services.customers.inputs import PointCreate, PointEdit, PointUpdate
from crm_tui.services.errors import ValidationError
from crm_tui.ui.widgets.wizard.children import ChildState
from crm_tui.ui.widgets.wizard.fields import FieldValue
from crm_tui.ui.widgets.wizard.points import MIRRORED


@dataclass(frozen=True)
class PointForm:
    """One point form: its place among the wizard's forms, its state, kind and value."""

    index: int
    child: ChildState
    kind: str
    value: str


@dataclass
class PlannedPoints:
    """The forms as the customer service takes them."""

    new: list[PointCreate] = field(default_factory=list)
    edits: list[PointEdit] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


def point_forms(
    children: Sequence[ChildState], customer: Mapping[str, FieldValue], business: bool
) -> list[PointForm]:
    """The point forms (with their place among all forms); a primary takes the value of
    the customer's own e-mail, phone or (a business's) website field when it has one."""
    out = []
    for index, child in enumerate(children):
        if child.entity != "point":
            continue
        kind = str(child.values.get("kind"))
        own = str(customer.get(MIRRORED[kind]) or "").strip()
        value = str(child.values.get("value") or "").strip()
        if child.values.get("is_primary") and (kind != "web" or business) and own:
            value = own
        out.append(PointForm(index, child, kind, value))
    return out


def same_point(kind: str, one: str, other: str, region: str) -> bool:
    """Whether two typed values are one e-mail, phone or web address (+44 20.. == 020..)."""
    try:
        return clean_point(kind, one, "other", region).value_key == (
            clean_point(kind, other, "other", region).value_key
        )
    except ValidationError:
        return one == other


def plan_points(
    forms: list[PointForm], places: dict[tuple[str, int | None, int | None], int], region: str
) -> PlannedPoints:
    """Sort the forms; `places` learns where each one sent is, for a refusal to find it."""
    out = PlannedPoints()
    for form in forms:
        child, value = form.child, form.value
        label = str(child.values.get("label") or "other")
        primary = bool(child.values.get("is_primary"))
        new = PointCreate(kind=form.kind, value=value, label=label, is_primary=primary)
        if child.row_id is None:
            if not child.removed and value:
                places[("point", len(out.new), None)] = form.index
                out.new.append(new)
        elif child.removed or not value:
            out.removed.append(child.row_id)
        elif not same_point(form.kind, value, str(child.initial.get("value")), region):
            out.removed.append(child.row_id)
            places[("point", len(out.new), None)] = form.index
            out.new.append(new)
        elif label != child.initial.get("label") or (
            primary and not child.initial.get("is_primary")
        ):
            changes = PointUpdate(label=label, is_primary=True if primary else None)
            places[("point", None, child.row_id)] = form.index
            out.edits.append(PointEdit(id=child.row_id, changes=changes))
    return out
