"""The wizard's checks: each field asked of the services as it is left and every shown
field again on save, the message under the field (the screen supplies its steps)."""

from __future__ import annotations

from crm_tui.models.enums import CustomerKind
from crm_tui.services.customers.phone_region import address_countries
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import format_phone
from crm_tui.ui.screens.customer_wizard_save import WizardSaveScreen
from crm_tui.ui.widgets.wizard.children import ChildForm, ChildrenStep, ChildState
from crm_tui.ui.widgets.wizard.fields import WizardField
from crm_tui.ui.widgets.wizard.plan import Entity, check_field, shown
from crm_tui.ui.widgets.wizard.review import StepInfo


class WizardChecksScreen(WizardSaveScreen):
    """Checks for the wizard screen; it supplies `steps` and `_show_indicator` too."""

    def steps(self) -> list[StepInfo]:
        raise NotImplementedError

    def _show_indicator(self, invalid: set[str] | None = None) -> None:
        raise NotImplementedError

    def _business(self) -> bool:
        return self.field("kind").value == CustomerKind.BUSINESS

    def check(self, field: WizardField) -> bool:
        """Ask the services about one field; show their message under it."""
        entity = self._entity_of(field)
        if entity is None:
            field.show_error(None)
            return True
        form = next((a for a in field.ancestors if isinstance(a, ChildForm)), None)
        kind = form.kind if form is not None else ""
        if (entity == "customer" and field.spec.name == "phone") or (
            kind == "phone" and field.spec.name == "value"
        ):
            return self._check_phone(field)  # any phone: read where the customer lives
        try:
            cleaned = check_field(
                self.services, entity, field.spec.name, field.value, self.lookups, kind
            )
        except ValidationError as error:
            field.show_error(error.message)
            return False
        field.show_warning(self.services.customers.warning_for(field.spec.name, cleaned))
        new = shown("phone" if kind == "phone" else field.spec.name, cleaned, field.value)
        if new != field.value:
            field.value = new
        return True

    def _check_phone(self, field: WizardField) -> bool:
        """The phone is read in the country of the addresses typed so far, else the
        default region; with none typed yet a national number waits for the save."""
        typed = [
            s.values
            for s in self._child_states()
            if s.entity == "address" and not s.removed and not s.blank
        ]
        try:
            reading = self.services.customers.read_phone(
                field.value, address_countries(typed), address_to_come=not typed
            )
        except ValidationError as error:
            field.show_error(error.message)
            return False
        field.show_warning(reading.warning)
        if reading.value is not None:
            field.value = format_phone(reading.value)
        return True

    def _entity_of(self, field: WizardField) -> Entity | None:
        """Whose rules apply to the field; None when there is nothing to check."""
        form = next((a for a in field.ancestors if isinstance(a, ChildForm)), None)
        if form is not None:
            return (
                None
                if form.removed or (form.row_id is None and form.state().blank)
                else form.entity
            )
        if field.spec.name == "tags":
            return None  # the service checks tag names as it saves them
        if field.spec.name.startswith("note_"):
            # No note at all is fine; a body without a title is not.
            note = [str(self.field(f"note_{n}").value).strip() for n in ("title", "body")]
            return "note" if any(note) else None
        return "customer"

    def check_step(self, key: str) -> list[WizardField]:
        """Check every shown field of one step; the ones refused."""
        step = self.query_one(f"#step-{key}")
        return [f for f in step.query(WizardField) if f.display and not self.check(f)]

    def check_all(self) -> bool:
        refused = {key: self.check_step(key) for key in (s.key for s in self.steps())}
        first = next(((k, r) for k, r in refused.items() if r), None)
        if first is None:
            return True
        self.go_to(first[0])
        self.call_after_refresh(first[1][0].focus_control)
        self._show_indicator({k for k, r in refused.items() if r})
        return False

    def _child_states(self) -> list[ChildState]:
        return [form.state() for form in self.query_one(ChildrenStep).forms()]
