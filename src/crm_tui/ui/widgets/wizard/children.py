"""The wizard's "Addresses and contacts" step: several small forms, added and removed.

Each `ChildForm` is one e-mail, phone or web address (`points`), one
address or one contact. New forms left blank are ignored on save; an
existing row's form sends only its changed fields, and "Remove" marks it
for deletion (press it again to undo).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static

from crm_tui.ui.widgets.wizard.fields import FieldSpec, FieldValue, WizardField
from crm_tui.ui.widgets.wizard.points import (
    POINT_KINDS,
    new_point_values,
    point_layout,
)

Entity = Literal["address", "contact", "point"]

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
LAYOUTS: dict[str, tuple[tuple[FieldSpec, ...], ...]] = {
    "address": ADDRESS_LAYOUT,
    "contact": CONTACT_LAYOUT,
    **{f"point-{kind}": point_layout(kind) for kind, _noun in POINT_KINDS},
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
        """A new form nobody typed in (kind, country, label and flags alone don't count)."""
        return not any(
            isinstance(v, str) and v.strip() and k not in ("kind", "country", "label")
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
        # A point's kind (email, phone, web) is fixed by the button that added it.
        self.kind = str(values.get("kind", "")) if entity == "point" else ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="child-head"):
            yield Static("", classes="child-title")
            yield Button(Content("Remove"), classes="child-remove", compact=True)
        for pair in LAYOUTS[f"point-{self.kind}" if self.entity == "point" else self.entity]:
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
            values={
                **({"kind": self.kind} if self.kind else {}),
                **{f.spec.name: f.value for f in self.fields()},
            },  # fmt: skip
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
    """E-mails, phones and web addresses and addresses for everyone; contacts (people at
    the company) for businesses."""

    @dataclass
    class PrimaryChanged(Message):
        """The primary e-mail, phone or web address is now `value` (ticked, typed or removed)."""

        kind: str
        value: str

    def __init__(self, default_country: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="wizard-step")
        self.default_country = default_country
        self.suggestions: dict[str, Sequence[str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content("E-mails, phones and web addresses"), classes="step-heading")
        yield Vertical(id="point-forms", classes="child-list")
        with Horizontal(id="add-points"):
            for kind, noun in POINT_KINDS:
                yield Button(Content(f"+ Add {noun.lower()}"), id=f"add-{kind}", compact=True)
        yield Static(Content("Addresses"), classes="step-heading")
        yield Vertical(id="address-forms", classes="child-list")
        yield Button(Content("+ Add address"), id="add-address", compact=True)
        with Vertical(id="contacts-section"):
            yield Static(Content("Contacts at the company"), classes="step-heading")
            yield Vertical(id="contact-forms", classes="child-list")
            yield Button(Content("+ Add contact"), id="add-contact", compact=True)

    def new_values(self, entity: Entity, kind: str = "") -> dict[str, FieldValue]:
        if entity == "point":
            return dict(new_point_values(kind, not self.points(kind)))
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
        kind: str = "",
    ) -> ChildForm:
        form = ChildForm(
            entity,
            values if values is not None else self.new_values(entity, kind),
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

    def points(self, kind: str) -> list[ChildForm]:
        """The forms of one kind of point, removed ones included."""
        return [f for f in self.forms("point") if f.kind == kind]

    def primary(self, kind: str) -> ChildForm | None:
        """The ticked form of `kind` (not marked for removal), if any."""
        return next((f for f in self.points(kind)
                     if not f.removed and f.field("is_primary").value), None)  # fmt: skip

    def renumber(self) -> None:
        nouns: tuple[tuple[Entity, str], ...] = (("address", "Address"), ("contact", "Contact"))
        for entity, noun in nouns:
            for index, form in enumerate(self.forms(entity), 1):
                form.set_title(f"{noun} {index}")
        for kind, noun in POINT_KINDS:
            for index, form in enumerate(self.points(kind), 1):
                form.set_title(f"{noun} {index}")

    async def mirror(self, kind: str, value: str) -> None:
        """The customer's own e-mail (phone, website) became `value`: so is its primary's.

        With no primary of the kind yet, a typed value gets a new primary form
        (the cursor stays where it is).
        """
        form = self.primary(kind)
        if form is None and value.strip():
            await self.add_form("point", {**new_point_values(kind, True, value)})
        elif form is not None and form.field("value").value != value:
            form.field("value").value = value

    def show_contacts(self, show: bool) -> None:
        self.query_one("#contacts-section").display = show

    def set_suggestions(self, suggestions: Mapping[str, Sequence[str]]) -> None:
        self.suggestions = dict(suggestions)
        for form in self.forms():
            for field in form.fields():
                if field.spec.suggest:
                    field.set_suggestions(self.suggestions.get(field.spec.suggest, ()))

    async def clear(self) -> None:
        await self.query_one("#point-forms").remove_children()
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
            if other is not form and other.kind == form.kind:
                other.field(name).value = False
        if form.entity == "point":
            self.post_message(self.PrimaryChanged(form.kind, str(form.field("value").value)))

    @on(Input.Changed, ".child-point .cf-value Input")
    def _primary_typed(self, event: Input.Changed) -> None:
        form = next((a for a in event.input.ancestors if isinstance(a, ChildForm)), None)
        if form is not None and form is self.primary(form.kind):
            self.post_message(self.PrimaryChanged(form.kind, event.value))

    @on(Button.Pressed, "#add-points Button")
    async def _add_point(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_form("point", focus=True, kind=(event.button.id or "").removeprefix("add-"))

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
        was_primary = form is self.primary(form.kind) if form.entity == "point" else False
        if form.row_id is None:
            await form.remove()
        else:
            form.toggle_removed()
        self.renumber()
        if form.entity == "point" and not form.removed and form is self.primary(form.kind):
            self.post_message(self.PrimaryChanged(form.kind, str(form.field("value").value)))
        elif was_primary:  # the next of its kind takes over, as the service does
            successor = next((f for f in self.points(form.kind)
                              if f is not form and not f.removed), None)  # fmt: skip
            if successor is not None:
                successor.field("is_primary").value = True  # its Changed tells the screen
            else:
                self.post_message(self.PrimaryChanged(form.kind, ""))
