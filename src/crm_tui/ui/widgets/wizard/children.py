"""The wizard's "Addresses and contacts" step: several small forms, added and removed.

Each `ChildForm` is one address or one contact. New forms left blank are
ignored on save; an existing row's form sends only its changed fields, and
"Remove" marks it for deletion (press it again to undo).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Static

from crm_tui.ui.widgets.wizard.fields import FieldSpec, FieldValue, WizardField

Entity = Literal["address", "contact"]

ADDRESS_LAYOUT: tuple[tuple[FieldSpec, ...], ...] = (
    (
        FieldSpec("kind", "Kind", "choice", (("billing", "Billing"), ("shipping", "Shipping"))),
        FieldSpec("is_default_billing", "Default", "check"),
    ),
    (FieldSpec("line1", "Address", placeholder="street and number"),),
    (FieldSpec("line2", "Line 2"),),
    (FieldSpec("city", "City"), FieldSpec("postal_code", "Postcode")),
    (
        FieldSpec("region", "Region"),
        FieldSpec("country", "Country", placeholder="GB", suggest="countries"),
    ),
)
CONTACT_LAYOUT: tuple[tuple[FieldSpec, ...], ...] = (
    (FieldSpec("first_name", "First name"), FieldSpec("last_name", "Last name")),
    (FieldSpec("email", "E-mail"), FieldSpec("phone", "Phone")),
    (FieldSpec("title", "Job title"), FieldSpec("department", "Department")),
    (FieldSpec("is_primary", "Primary", "check"),),
)
LAYOUTS: dict[Entity, tuple[tuple[FieldSpec, ...], ...]] = {
    "address": ADDRESS_LAYOUT,
    "contact": CONTACT_LAYOUT,
}


@dataclass(frozen=True)
class ChildState:
    """What a child form holds, for saving and for the review page."""

    entity: Entity
    row_id: int | None
    version: int | None
    values: dict[str, FieldValue]
    initial: dict[str, FieldValue]
    removed: bool

    @property
    def blank(self) -> bool:
        """A new form nobody typed in (kind, country and flags alone don't count)."""
        return not any(
            isinstance(v, str) and v.strip() and k not in ("kind", "country")
            for k, v in self.values.items()
        )

    @property
    def changes(self) -> dict[str, FieldValue]:
        return {k: v for k, v in self.values.items() if v != self.initial.get(k)}


class ChildForm(Vertical):
    """One address or contact, with a Remove button."""

    def __init__(
        self,
        entity: Entity,
        values: Mapping[str, FieldValue],
        *,
        row_id: int | None = None,
        version: int | None = None,
    ) -> None:
        super().__init__(classes=f"child-form child-{entity}")
        self.entity: Entity = entity
        self.row_id = row_id
        self.version = version
        self.initial: dict[str, FieldValue] = dict(values)
        self.removed = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="child-head"):
            yield Static("", classes="child-title")
            yield Button(Content("Remove"), classes="child-remove", compact=True)
        for pair in LAYOUTS[self.entity]:
            with Horizontal(classes="child-pair"):
                for spec in pair:
                    yield WizardField(
                        spec, self.initial.get(spec.name, ""), classes=f"cf-{spec.name}"
                    )

    def set_title(self, text: str) -> None:
        suffix = " (will be removed on save)" if self.removed else ""
        self.query_one(".child-title", Static).update(Content(text + suffix))

    def field(self, name: str) -> WizardField:
        return self.query_one(f".cf-{name}", WizardField)

    def fields(self) -> list[WizardField]:
        return list(self.query(WizardField))

    def state(self) -> ChildState:
        return ChildState(
            entity=self.entity,
            row_id=self.row_id,
            version=self.version,
            values={f.spec.name: f.value for f in self.fields()},
            initial=self.initial,
            removed=self.removed,
        )

    def toggle_removed(self) -> None:
        self.removed = not self.removed
        self.set_class(self.removed, "-removed")
        for field in self.fields():
            field.control.disabled = self.removed
        self.query_one(".child-remove", Button).label = Content(
            "Undo remove" if self.removed else "Remove"
        )


class ChildrenStep(VerticalScroll):
    """Addresses for everyone; contacts (people at the company) for businesses."""

    def __init__(self, default_country: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="wizard-step")
        self.default_country = default_country
        self.suggestions: dict[str, Sequence[str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content("Addresses"), classes="step-heading")
        yield Vertical(id="address-forms", classes="child-list")
        yield Button(Content("+ Add address"), id="add-address", compact=True)
        with Vertical(id="contacts-section"):
            yield Static(Content("Contacts at the company"), classes="step-heading")
            yield Vertical(id="contact-forms", classes="child-list")
            yield Button(Content("+ Add contact"), id="add-contact", compact=True)

    def new_values(self, entity: Entity) -> dict[str, FieldValue]:
        if entity == "address":
            first = not self.forms("address")
            return {"kind": "billing", "country": self.default_country, "is_default_billing": first}
        return {"is_primary": not self.forms("contact")}

    async def add_form(
        self,
        entity: Entity,
        values: Mapping[str, FieldValue] | None = None,
        *,
        row_id: int | None = None,
        version: int | None = None,
        focus: bool = False,
    ) -> ChildForm:
        form = ChildForm(
            entity,
            values if values is not None else self.new_values(entity),
            row_id=row_id,
            version=version,
        )
        await self.query_one(f"#{entity}-forms", Vertical).mount(form)
        for field in form.fields():
            if field.spec.suggest:
                field.set_suggestions(self.suggestions.get(field.spec.suggest, ()))
        self.renumber()
        if focus:  # the cursor in the first field a person types into, not on a dropdown
            fields = form.fields()
            next((f for f in fields if f.spec.kind == "text"), fields[0]).focus_control()
            self.call_after_refresh(form.scroll_visible)
        return form

    def forms(self, entity: Entity | None = None) -> list[ChildForm]:
        return [f for f in self.query(ChildForm) if entity is None or f.entity == entity]

    def renumber(self) -> None:
        nouns: tuple[tuple[Entity, str], ...] = (("address", "Address"), ("contact", "Contact"))
        for entity, noun in nouns:
            for index, form in enumerate(self.forms(entity), 1):
                form.set_title(f"{noun} {index}")

    def show_contacts(self, show: bool) -> None:
        self.query_one("#contacts-section").display = show

    def set_suggestions(self, suggestions: Mapping[str, Sequence[str]]) -> None:
        self.suggestions = dict(suggestions)
        for form in self.forms():
            for field in form.fields():
                if field.spec.suggest:
                    field.set_suggestions(self.suggestions.get(field.spec.suggest, ()))

    async def clear(self) -> None:
        await self.query_one("#address-forms").remove_children()
        await self.query_one("#contact-forms").remove_children()

    @on(Checkbox.Changed)
    def _only_one(self, event: Checkbox.Changed) -> None:
        """Checking one address's default (or one contact's primary) unchecks the others."""
        form = next((a for a in event.checkbox.ancestors if isinstance(a, ChildForm)), None)
        if form is None or not event.value:
            return
        name = "is_default_billing" if form.entity == "address" else "is_primary"
        if event.checkbox is not form.field(name).control:
            return
        for other in self.forms(form.entity):
            if other is not form:
                other.field(name).value = False

    @on(Button.Pressed, "#add-address")
    async def _add_address(self) -> None:
        await self.add_form("address", focus=True)

    @on(Button.Pressed, "#add-contact")
    async def _add_contact(self) -> None:
        await self.add_form("contact", focus=True)

    @on(Button.Pressed, ".child-remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        form = next(a for a in event.button.ancestors if isinstance(a, ChildForm))
        if form.row_id is None:
            await form.remove()
        else:
            form.toggle_removed()
        self.renumber()
