"""Saving the customer wizard: the base of CustomerWizardScreen that owns the save.

The screen (ui/screens/customer_wizard.py) lays out the steps and checks
fields; this half turns them into a draft and one service input, saves it in
a thread worker (one call, one transaction), and answers what comes back: a
refused value goes beside its field, a stale edit opens the conflict dialog,
and a new customer that looks like one on file is offered as "open it instead".
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.errors import ConflictError, CrmError, ValidationError
from crm_tui.services.lookups.wizard import WizardLookups
from crm_tui.services.merge.duplicates import LikelyDuplicate
from crm_tui.text import literal
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.conflict import ConflictChoice, ConflictModal
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from crm_tui.ui.widgets.wizard.fields import WizardField
from crm_tui.ui.widgets.wizard.plan import (
    ChildProblem,
    WizardDraft,
    WizardSave,
    plan_edit,
    plan_new,
    save,
    split_tags,
)
from crm_tui.ui.widgets.wizard.steps import CUSTOMER_FIELDS, FIELD_STEP


class WizardSaveScreen(CrmScreen[int | None]):
    """What the wizard screen needs to save; it supplies `field`, `go_to`, `check_all`
    and `reload`."""

    @dataclass
    class Saved(Message):
        """The customer is saved, with all it carries."""

        customer_id: int

    @dataclass
    class Refused(Message):
        """The services refused a value (a ChildProblem names the child form)."""

        error: ValidationError

    @dataclass
    class Conflicted(Message):
        """Another clerk saved this customer (or a child) after the wizard opened it."""

        error: ConflictError
        plan: WizardSave

    @dataclass
    class DuplicatesFound(Message):
        """The new customer looks like customers on file: ask before saving."""

        hits: list[LikelyDuplicate]
        plan: WizardSave

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.original: CustomerRead | None = None
        self.lookups = WizardLookups()
        self.loaded = False
        self.saving = False

    # --- supplied by the screen ---------------------------------------------------

    def field(self, name: str) -> WizardField:
        raise NotImplementedError

    def go_to(self, key: str) -> None:
        raise NotImplementedError

    def check_all(self) -> bool:
        """Check every shown field; False (and the first refused one focused) if any is."""
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    # --- saving -------------------------------------------------------------------

    def draft(self) -> WizardDraft:
        customer = {name: self.field(name).value for name in CUSTOMER_FIELDS}
        group = str(customer["billing_group_id"])
        customer["billing_group_id"] = str(self.lookups.billing_group_id(group) or "")
        return WizardDraft(
            customer=customer,
            tags=split_tags(str(self.field("tags").value)),
            children=[form.state() for form in self.query_one(ChildrenStep).forms()],
            note={
                "title": str(self.field("note_title").value),
                "body": str(self.field("note_body").value),
            },
        )

    def action_save(self) -> None:
        if self.saving or not self.loaded:
            return
        if not self.check_all():
            self._status("Fix the marked fields first; each says what is wrong.")
            return
        self.saving = True
        self._status("Saving…")
        self._save(self.draft())

    @work(
        thread=True,
        exclusive=True,
        group="wizard-save",
        exit_on_error=False,
        description="Check and save the wizard",
    )
    def _save(self, draft: WizardDraft) -> None:
        plan: WizardSave | None = None
        try:
            if self.original is None:
                plan = plan_new(draft, self.services.ctx.default_region)
                assert isinstance(plan.data, CustomerCreate)
                self.services.customers.check_new(plan.data)
                hits = self.services.duplicates.find(*draft.identity())
            else:
                plan, hits = plan_edit(self.services, draft, self.original), []
        except ValidationError as error:
            self.post_message(self.Refused(plan.problem(error) if plan else error))
            return
        if hits:
            self.post_message(self.DuplicatesFound(hits, plan))
            return
        self._execute(plan)

    @work(
        thread=True,
        exclusive=True,
        group="wizard-save",
        exit_on_error=False,
        description="Save the wizard after a question",
    )
    def _resume(self, plan: WizardSave) -> None:
        self._execute(plan)

    def _execute(self, plan: WizardSave) -> None:
        try:
            customer_id = save(self.services, plan)
        except ConflictError as error:
            self.post_message(self.Conflicted(error, plan))
        except ValidationError as error:
            self.post_message(self.Refused(plan.problem(error)))
        except CrmError as error:
            self.post_message(self.Refused(ValidationError("", error.message)))
        else:
            self.post_message(self.Saved(customer_id))

    @on(Worker.StateChanged)
    def _worker_ended(self, event: Worker.StateChanged) -> None:
        # Unexpected failures reach the app's one handler; the wizard stays usable.
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.saving = False
            self._status("")

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        customer_id = event.customer_id
        self.saving = False
        self.notify(f"Saved customer C-{customer_id:06d}.", markup=False)
        self.dismiss(customer_id)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        error = event.error
        self.saving = False
        target = self._error_target(error)
        if target is None:
            self._status(error.message)
            return
        target.show_error(error.message)
        step = "children" if isinstance(error, ChildProblem) else FIELD_STEP[target.spec.name]
        self.go_to(step)
        self.call_after_refresh(target.focus_control)
        self._status("Not saved: fix the marked field.")

    def _error_target(self, error: ValidationError) -> WizardField | None:
        if isinstance(error, ChildProblem):
            forms = self.query_one(ChildrenStep).forms()
            if error.index < len(forms):
                form = forms[error.index]
                return next((f for f in form.fields() if f.spec.name == error.field), None)
            return None
        return next((f for f in self.query(WizardField) if f.id == f"wf-{error.field}"), None)

    @on(Conflicted)
    def _conflict(self, event: Conflicted) -> None:
        error, plan = event.error, event.plan
        self.saving = False
        self._status("")

        def chosen(choice: ConflictChoice | None) -> None:
            if choice == "reapply":
                plan.reapply(error)
                self.saving = True
                self._status("Saving…")
                self._resume(plan)
            else:
                self.notify(f"Reloaded: the {error.entity} shows the other clerk's values now.",
                            markup=False)  # fmt: skip
                self.reload()

        self.app.push_screen(ConflictModal(error), callback=chosen)

    @on(DuplicatesFound)
    def _offer_duplicates(self, event: DuplicatesFound) -> None:
        """A new customer looks like one on file: open that one, save anyway, or go back."""
        hits, plan = event.hits, event.plan
        self.saving = False
        self._status("")
        choices = [
            (f"open-{hit.id}", f"Open {hit.number} {literal(hit.name)} ({hit.reason_text})")
            for hit in hits
        ]
        choices += [("save", "Save this new customer anyway"), ("back", "Go back")]

        def chosen(choice: str | None) -> None:
            if choice and choice.startswith("open-"):
                self.dismiss(int(choice.removeprefix("open-")))
            elif choice == "save":
                self.saving = True
                self._status("Saving…")
                self._resume(plan)
            else:
                self._status("Not saved yet.")

        self.app.push_screen(
            ChoiceModal("Possible duplicate: this looks like a customer on file", choices),
            callback=chosen,
        )

    def _status(self, message: str) -> None:
        self.query_one("#wizard-status", Static).update(Content(message))
