"""The wizard's steps: which fields each one asks for, and the plain field pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from crm_tui.models.enums import CustomerKind, PaymentTerms
from crm_tui.services.customers.rules import SETTABLE_STATUSES
from crm_tui.ui.widgets.wizard.children import ChildState
from crm_tui.ui.widgets.wizard.fields import FieldSpec, FieldValue, WizardField
from crm_tui.ui.widgets.wizard.points import POINT_NOUNS
from crm_tui.ui.widgets.wizard.review import ReviewSection, StepInfo

BASIC = StepInfo("basic", "Basic info", "Basic")
BUSINESS = StepInfo("business", "Business profile", "Business")
CHILDREN = StepInfo("children", "Addresses and contacts", "Addresses")
PREFERENCES = StepInfo("preferences", "Preferences")
LOYALTY = StepInfo("loyalty", "Loyalty and notes", "Loyalty")
REVIEW = StepInfo("review", "Review")
ALL_STEPS = (BASIC, BUSINESS, CHILDREN, PREFERENCES, LOYALTY, REVIEW)

KIND_CHOICES = tuple((k.value, k.value.capitalize()) for k in CustomerKind)
STATUS_CHOICES = tuple((s, s.capitalize()) for s in SETTABLE_STATUSES)

STEP_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "basic": (
        FieldSpec("kind", "Kind", "choice", KIND_CHOICES),
        FieldSpec("first_name", "First name"),
        FieldSpec("last_name", "Last name"),
        FieldSpec("email", "E-mail", placeholder="name@example.com"),
        FieldSpec("phone", "Phone", placeholder="+44 20 7946 0958"),
        FieldSpec("date_of_birth", "Date of birth", placeholder="YYYY-MM-DD"),
        FieldSpec("status", "Status", "choice", STATUS_CHOICES),
        FieldSpec("status_reason", "Blocked because"),
    ),
    "business": (
        FieldSpec("company_name", "Company"),
        FieldSpec("registration_number", "Registration no."),
        FieldSpec("vat_id", "VAT / tax id", placeholder="e.g. PT123456789"),
        FieldSpec("business_type", "Business type", suggest="business_types"),
        FieldSpec("industry", "Industry", suggest="industries"),
        FieldSpec("website", "Website", placeholder="example.com"),
        FieldSpec(
            "payment_terms",
            "Payment terms",
            "choice",
            tuple((t.value, t.value) for t in PaymentTerms),
            allow_blank=True,
        ),
        FieldSpec("billing_group_id", "Billing group", suggest="billing_groups"),
    ),
    "preferences": (
        FieldSpec("language", "Language", placeholder="en", suggest="languages"),
        FieldSpec("currency", "Currency", placeholder="GBP", suggest="currencies"),
        FieldSpec("contact_channels", "Contact by", "channels"),
    ),
    "loyalty": (
        FieldSpec("segment", "Segment", suggest="segments"),
        FieldSpec("tags", "Tags", placeholder="comma-separated", suggest="tags"),
        FieldSpec("loyalty_points", "Loyalty points", placeholder="0"),
        FieldSpec("owner", "Account owner"),
        FieldSpec("note_title", "First note"),
        FieldSpec("note_body", "Note text"),
    ),
}
STEP_HINTS = {
    "basic": "Who is the customer? A name (or a company, next step) is all that is required.",
    "business": "The company. Completions appear as you type; → accepts one.",
    "preferences": "How they like to be served. Completions appear as you type; → accepts one.",
    "loyalty": "Grouping, points, and an optional first internal note.",
}
NOT_CUSTOMER_FIELDS = frozenset({"tags", "note_title", "note_body"})
CUSTOMER_FIELDS = tuple(
    spec.name
    for specs in STEP_FIELDS.values()
    for spec in specs
    if spec.name not in NOT_CUSTOMER_FIELDS
)
FIELD_STEP = {spec.name: step for step, specs in STEP_FIELDS.items() for spec in specs}
FIELD_LABEL = {spec.name: spec.label for specs in STEP_FIELDS.values() for spec in specs}


class FieldsStep(VerticalScroll):
    """A step made of plain fields, one per line."""

    def __init__(self, step: StepInfo) -> None:
        super().__init__(id=f"step-{step.key}", classes="wizard-step")
        self.step = step

    def compose(self) -> ComposeResult:
        yield Static(Content(STEP_HINTS.get(self.step.key, "")), classes="step-hint")
        for spec in STEP_FIELDS[self.step.key]:
            yield WizardField(spec, id=f"wf-{spec.name}", control_id=f"field-{spec.name}")

    def fields(self) -> list[WizardField]:
        return list(self.query(WizardField))

    def set_suggestions(self, suggestions: Mapping[str, Sequence[str]]) -> None:
        for field in self.fields():
            if field.spec.suggest:
                field.set_suggestions(suggestions.get(field.spec.suggest, ()))


def review_sections(
    steps: Sequence[StepInfo],
    values: Mapping[str, FieldValue],
    children: Sequence[ChildState],
    errors: Mapping[str, str],
) -> list[ReviewSection]:
    """The review page's blocks: each step's filled-in values and any refusals."""
    sections: list[ReviewSection] = []
    for step in steps:
        if step.key == CHILDREN.key:
            rows = _children_rows(children, values.get("kind") == "business")
            problems = [f"{k}: {v}" for k, v in errors.items() if k.split(" ")[0] in ENTITIES]
            sections.append(ReviewSection(step, rows, problems))
            continue
        rows = []
        problems = []
        for spec in STEP_FIELDS.get(step.key, ()):
            value = values.get(spec.name, "")
            if spec.name == "status_reason" and values.get("status") != "blocked":
                continue
            if spec.name in errors:
                problems.append(f"{spec.label}: {errors[spec.name]}")
            if spec.kind == "choice":
                value = dict(spec.choices).get(str(value), str(value))
            if value not in ("", False):
                rows.append((spec.label, str(value)))
        sections.append(ReviewSection(step, rows, problems))
    return sections


ENTITIES = ("address", "contact", "point")


def _children_rows(children: Sequence[ChildState], business: bool) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for child in children:
        if child.entity == "contact" and not business:
            continue
        if child.row_id is None and child.blank:
            continue
        v = child.values
        noun = POINT_NOUNS[str(v["kind"])] if child.entity == "point" else child.entity.capitalize()
        counts[noun] = counts.get(noun, 0) + 1
        if child.entity == "point":
            parts = [v.get("value")]
            flags = [str(v.get("label"))] + (["primary"] if v.get("is_primary") else [])
        elif child.entity == "address":
            parts = [v.get("line1"), v.get("line2"), v.get("city"), v.get("postal_code"),
                     v.get("region"), v.get("country")]  # fmt: skip
            flags = [str(v.get("kind", "billing"))] + (
                ["default"] if v.get("is_default_billing") else []
            )
        else:
            name = " ".join(str(p) for p in (v.get("first_name"), v.get("last_name")) if p)
            parts = [name, v.get("title"), v.get("email"), v.get("phone")]
            flags = ["primary"] if v.get("is_primary") else []
        text = ", ".join(str(p) for p in parts if p)
        if flags:
            text += f" ({', '.join(flags)})"
        if child.removed:
            text += " — will be removed"
        rows.append((f"{noun} {counts[noun]}", text))
    return rows
