"""The new-customer wizard, reused to edit a customer.

Steps: Basic info, Business (businesses only), Addresses and contacts,
Preferences, Loyalty and notes, Review. `ctrl+n`/`ctrl+b` (or page down/up)
move between steps, `tab` between fields, `ctrl+s` saves from any step and
`escape` cancels, asking first when something was typed. Every value is
checked by the services as the field is left and again on save; the message
appears under the field. Editing sends only the changed fields with the
version it was opened at; a stale save opens the conflict dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import ContentSwitcher, Input, Select, Static

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.history import HistoryEntry
from crm_tui.services.live import Changed
from crm_tui.text import literal
from crm_tui.ui.modals.confirmation import leave_asking_first
from crm_tui.ui.screens.customer_wizard_checks import WizardChecksScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.underneath import changed_underneath
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.live_duplicates import LiveDuplicates
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from crm_tui.ui.widgets.wizard.fields import WizardField
from crm_tui.ui.widgets.wizard.plan import (
    WizardStart,
    display_values,
    read_start,
)
from crm_tui.ui.widgets.wizard.points import MIRRORED
from crm_tui.ui.widgets.wizard.review import ReviewStep, StepIndicator, StepInfo
from crm_tui.ui.widgets.wizard.steps import (
    ALL_STEPS,
    BUSINESS,
    CHILDREN,
    CUSTOMER_FIELDS,
    REVIEW,
    FieldsStep,
    review_sections,
)

MIRROR_OF = {f"wf-{name}": kind for kind, name in MIRRORED.items()}  # field id -> point kind


class CustomerWizardScreen(WizardChecksScreen):
    """Create (customer_id None) or edit a customer; dismisses the saved id, or None."""

    CSS_PATH: ClassVar = [str(stylesheet("customer_wizard.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next_step", "Next step", priority=True),
        Binding("pagedown", "next_step", "Next step", show=False, priority=True),
        Binding("ctrl+b", "previous_step", "Back", priority=True),
        Binding("pageup", "previous_step", "Back", show=False, priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "open_existing", "Open existing", show=False, priority=True),
        Binding("escape", "cancel", "Cancel"),
        # The list's "q" quits the app; here it must never drop a half-typed customer.
        Binding("q", "nothing", show=False),
    ]

    @dataclass
    class Loaded(Message):
        """The customer being edited (if any) and the wizard's choices."""

        start: WizardStart
        mark: int = 0  # the newest change-log id for the customer, read before it

    @dataclass
    class ChangedUnderneath(Message):
        """Someone committed changes to the customer being edited (newest first)."""

        entries: list[HistoryEntry]

    def __init__(self, customer_id: int | None) -> None:
        super().__init__(customer_id)
        self.current = "basic"
        self.baseline: Any = None
        self.history_mark = 0

    # --- layout and loading -----------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="wizard-title")
        yield StepIndicator(id="wizard-steps")
        with ContentSwitcher(initial="step-basic", id="wizard-body"):
            for step in ALL_STEPS:
                if step == CHILDREN:
                    yield ChildrenStep(self.services.ctx.default_region, id="step-children")
                elif step == REVIEW:
                    yield ReviewStep(id="step-review", classes="wizard-step")
                else:
                    yield FieldsStep(step)
        yield LiveDuplicates(id="wizard-live")
        yield Static(id="wizard-status")
        yield CrmFooter()

    def on_mount(self) -> None:
        self.field("kind").value = CustomerKind.INDIVIDUAL.value
        self.field("status").value = CustomerStatus.ACTIVE.value
        self.query_one("#wizard-title", Static).update(
            Content("New customer" if self.customer_id is None else "Edit customer")
        )
        self._refresh_kind()
        if self.customer_id is None:
            # A new customer starts empty: the name takes keys at once, not after the
            # lookups (suggestions only) have loaded, so nothing typed ahead is lost.
            self.go_to("basic")
        self._load()

    @work(
        thread=True,
        exclusive=True,
        group="wizard-load",
        exit_on_error=False,
        description="Read the customer and choices for the wizard",
    )
    def _load(self) -> None:
        newest = self._newer_changes(0, limit=1)
        start = read_start(self.services, self.customer_id)
        self.post_message(self.Loaded(start, newest[0].id if newest else 0))

    def _newer_changes(self, mark: int, *, limit: int = 50) -> list[HistoryEntry]:
        """The customer's changes logged after `mark`, newest first (read in the database)."""
        if self.customer_id is None:
            return []
        return self.services.history.for_customer(self.customer_id, limit=limit, after_id=mark)

    def customers_changed(self, changed: Changed) -> None:
        """Another clerk saved this customer while it is open here: say so at once,
        not only when this save meets their change."""
        if self.customer_id is None or not self.loaded or self.saving:
            return
        if changed.touches(self.customer_id):
            self._check_underneath(self.history_mark)

    @work(
        thread=True,
        exclusive=True,
        group="wizard-underneath",
        exit_on_error=False,
        description="Read what someone else changed",
    )
    def _check_underneath(self, mark: int) -> None:
        newer = self._newer_changes(mark)
        if newer:
            self.post_message(self.ChangedUnderneath(newer))

    @on(ChangedUnderneath)
    def _changed_underneath(self, event: ChangedUnderneath) -> None:
        if self.saving:  # our own save, or one already on its way to meet theirs
            return
        self.history_mark = max(e.id for e in event.entries)
        text = changed_underneath(event.entries, "customer")
        self._status(text)
        self.notify(text, severity="warning", markup=False, timeout=10)

    @on(Loaded)
    def _fill(self, event: Loaded) -> None:
        start = event.start
        self.history_mark = event.mark
        self.run_worker(
            self._apply(start),
            exclusive=True,
            group="wizard-fill",
            exit_on_error=False,
            description="Fill the wizard with the customer",
        )

    async def _apply(self, start: WizardStart) -> None:
        self.lookups = start.lookups
        suggestions = start.suggestions()
        for step in self.query(FieldsStep):
            step.set_suggestions(suggestions)
        children = self.query_one(ChildrenStep)
        children.set_suggestions(suggestions)
        await children.clear()
        customer = self.original = start.customer
        if customer is not None and (customer.erased_at or customer.status == "merged"):
            why = "was erased" if customer.erased_at else "was merged into another customer"
            self.notify(f"{customer.number} {why}; it cannot be edited.", markup=False)
            self.dismiss(None)
            return
        if customer is not None:
            values = display_values(customer)
            values["billing_group_id"] = start.lookups.billing_group_name(customer.billing_group_id)
            for name in CUSTOMER_FIELDS:
                self.field(name).value = values[name]
            self.field("tags").value = ", ".join(customer.tags)
            self.query_one("#wizard-title", Static).update(
                Content(f"Edit {customer.number} · {literal(customer.display_name)}")
            )
            for row in start.children:
                await children.add_form(
                    row.entity, row.values, row_id=row.row_id, version=row.version
                )
        if not children.forms("address"):
            await children.add_form("address")
        self._refresh_kind()
        self.loaded = True
        self.baseline = self._snapshot()
        if self.customer_id is not None:  # a new customer's first field has the keys already
            self.go_to("basic")

    # --- fields -----------------------------------------------------------------

    def field(self, name: str) -> WizardField:
        return self.query_one(f"#wf-{name}", WizardField)

    def steps(self) -> list[StepInfo]:
        business = self.field("kind").value == CustomerKind.BUSINESS
        return [s for s in ALL_STEPS if business or s != BUSINESS]

    def _refresh_kind(self) -> None:
        business = self.field("kind").value == CustomerKind.BUSINESS
        self.query_one(ChildrenStep).show_contacts(business)
        self.field("status_reason").display = self.field("status").value == "blocked"
        self._show_indicator()

    def _show_indicator(self, invalid: set[str] | None = None) -> None:
        self.query_one(StepIndicator).show(self.steps(), self.current, invalid or set())

    @on(Select.Changed, "#field-kind, #field-status")
    def _kind_or_status_changed(self) -> None:
        self._refresh_kind()

    # --- duplicates as you type (a new customer's first step) -------------------------

    @on(Input.Changed)
    def _typed(self) -> None:
        if self.customer_id is not None:  # an edit: the customer is on file already
            return
        live = self.query_one(LiveDuplicates)
        values = {
            n: str(self.field(n).value) for n in ("first_name", "last_name", "phone", "email")
        }
        name = f"{values['first_name']} {values['last_name']}".strip()
        live.look(name, values["phone"], values["email"])

    def action_open_existing(self) -> None:
        """ctrl+o: open the customer on file this one looks like instead of adding it."""
        live = self.query_one(LiveDuplicates)
        if self.customer_id is None and live.display and live.open_existing():
            return
        self.notify("Nothing on file looks like this customer so far.", markup=False)

    @on(LiveDuplicates.OpenRequested)
    def _open_existing(self, event: LiveDuplicates.OpenRequested) -> None:
        self.dismiss(event.customer_id)  # the app opens it, as it opens a saved one

    @on(Input.Blurred)
    def _left_field(self, event: Input.Blurred) -> None:
        field = next((a for a in event.input.ancestors if isinstance(a, WizardField)), None)
        if field is not None and self.loaded and not self.saving:
            self.check(field)
            kind = MIRROR_OF.get(field.id or "")
            if kind is not None and (kind != "web" or self._business()):
                # The primary form of its kind follows (a new one when there is none).
                children = self.query_one(ChildrenStep)
                self.run_worker(children.mirror(kind, str(field.value)), group="wizard-mirror",
                                exit_on_error=False, description="Show the primary e-mail")  # fmt: skip

    @on(ChildrenStep.PrimaryChanged)
    def _primary_changed(self, event: ChildrenStep.PrimaryChanged) -> None:
        """A form ticked, typed into or removed: the customer's own field shows the primary."""
        if event.kind == "web" and not self._business():
            return  # an individual has no website field; the tick is the form's alone
        field = self.field(MIRRORED[event.kind])
        if field.value != event.value:
            field.value = event.value

    def reload(self) -> None:
        self.loaded = False
        self._load()

    # --- moving between steps -----------------------------------------------------

    def go_to(self, key: str) -> None:
        self.current = key
        self.query_one(LiveDuplicates).set_active(key == "basic")
        self.query_one(ContentSwitcher).current = f"step-{key}"
        self._show_indicator()
        if key == REVIEW.key:
            self.run_worker(
                self._show_review(),
                exclusive=True,
                group="wizard-review",
                exit_on_error=False,
                description="Show the wizard's review step",
            )
            return
        step = self.query_one(f"#step-{key}")
        # The e-mails and phones there were typed on Basic info already: start at the address.
        shown_fields = [f for f in step.query(WizardField)
                        if f.display and not any(a.has_class("child-point") for a in f.ancestors)]  # fmt: skip
        # Kind and status have sensible defaults: start typing at the first text field.
        first = next((f for f in shown_fields if f.spec.kind == "text"), None)
        if first is None and shown_fields:
            first = shown_fields[0]
        if first is not None:
            self.call_after_refresh(first.focus_control)

    async def _show_review(self) -> None:
        review = self.query_one(ReviewStep)
        steps = [s for s in self.steps() if s != REVIEW]
        named = [f for f in self.query(WizardField) if f.id]
        values = {f.spec.name: f.value for f in named}
        errors = {f.spec.name: f.error for f in named if f.display and f.has_class("-invalid")}
        for index, form in enumerate(self.query_one(ChildrenStep).forms(), 1):
            for f in form.fields():
                if f.has_class("-invalid"):
                    errors[f"{form.entity} {index}: {f.spec.label}"] = f.error
        await review.show(review_sections(steps, values, self._child_states(), errors))
        buttons = review.query(".review-go")
        if buttons:
            buttons.first().focus()

    def action_next_step(self) -> None:
        keys = [s.key for s in self.steps()]
        index = keys.index(self.current) if self.current in keys else 0
        if index + 1 >= len(keys):
            return
        refused = self.check_step(self.current)
        if refused:
            refused[0].focus_control()
            self._show_indicator({self.current})
            return
        self.go_to(keys[index + 1])

    def action_previous_step(self) -> None:
        keys = [s.key for s in self.steps()]
        index = keys.index(self.current) if self.current in keys else 0
        if index > 0:
            self.go_to(keys[index - 1])

    @on(ReviewStep.JumpRequested)
    def _jump(self, event: ReviewStep.JumpRequested) -> None:
        self.go_to(event.step)

    def action_nothing(self) -> None:
        """Swallow keys that would act outside the wizard."""

    # --- leaving ----------------------------------------------------------------

    def _snapshot(self) -> Any:
        fields = {f.id: f.value for f in self.query(WizardField) if f.id}
        forms = [(s.row_id, s.removed, s.values) for s in self._child_states()]
        return (fields, forms)

    @property
    def dirty(self) -> bool:
        return self.loaded and self._snapshot() != self.baseline

    def action_cancel(self) -> None:
        if self.focused is not None and self.focused.id == "live-dup-list":
            self.field("phone").focus_control()  # back from the list of duplicates to the form
            return
        question = (
            "Discard this new customer?" if self.original is None else "Discard your changes?"
        )
        leave_asking_first(self, None, typed=self.dirty, question=question)
