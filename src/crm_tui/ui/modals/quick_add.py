"""Quick add, POS style: name, phone, e-mail, then enter (or ctrl+s).

Only a name plus one way to reach the customer is required (the service's
rule). Before saving, a worker asks the duplicate finder; when it finds
likely matches the dialog lists them and offers: open the existing customer
(enter on the highlighted one), save anyway (ctrl+s) or go back (escape).
While the fields are typed, likely duplicates show under them (LiveDuplicates);
ctrl+o opens the one on file instead. The dialog dismisses the id of the
saved or chosen customer, or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.merge.duplicates import SAME_EMAIL, LikelyDuplicate
from crm_tui.services.phones import format_phone
from crm_tui.text import literal
from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.confirmation import leave_asking_first
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.live_duplicates import LiveDuplicates
from crm_tui.ui.widgets.wizard.fields import FieldSpec, WizardField

Mode = Literal["form", "busy", "duplicates"]
FIELDS = (
    FieldSpec("name", "Name", placeholder="first and last name"),
    FieldSpec("phone", "Phone", placeholder="+44 20 7946 0958"),
    FieldSpec("email", "E-mail", placeholder="name@example.com"),
)


def duplicate_prompt(hit: LikelyDuplicate) -> Text:
    """Two lines telling one existing customer apart: number, name, status; contacts, why."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{hit.number}  ", style="bold")
    text.append(literal(hit.name))
    text.append(f"  {hit.status}", style="dim")
    text.append("\n          ")
    details = [
        literal(hit.email) if hit.email else "no e-mail",
        format_phone(hit.phone) or "no phone",
    ]
    text.append(" · ".join(details))
    text.append(f"  ({hit.reason_text})", style="italic")
    return text


class QuickAddModal(CrmModal[int | None]):
    """Add a walk-in customer in three fields and two keys; warns of likely duplicates."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss")), str(stylesheet("quick_add.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "open_existing", "Open existing", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    @dataclass
    class Saved(Message):
        """The new customer is on file."""

        customer_id: int

    @dataclass
    class DuplicatesFound(Message):
        """Customers on file that look like this one: ask before saving."""

        hits: list[LikelyDuplicate]

    @dataclass
    class Refused(Message):
        """The service refused a value."""

        error: ValidationError

    def __init__(self) -> None:
        super().__init__()
        self.mode: Mode = "form"
        self.hits: list[LikelyDuplicate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="quick-add", classes="dialog"):
            yield Static(Content("Quick add"), classes="dialog-title")
            for spec in FIELDS:
                yield WizardField(spec, id=f"qa-{spec.name}", control_id=f"qa-{spec.name}-input")
            yield LiveDuplicates(id="qa-live")
            with Vertical(id="qa-duplicates"):
                yield Static("", id="qa-dup-title")
                yield OptionList(id="qa-dup-list", compact=True)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(Content("Open existing (enter)"), id="qa-open", compact=True)
                    yield Button(Content("Save anyway (ctrl+s)"), id="qa-save-anyway", compact=True)
                    yield Button(Content("Go back (esc)"), id="qa-back", compact=True)
            yield Static("", id="qa-status")
            yield Static(
                Content("Name plus a phone or an e-mail · enter or ctrl+s saves · esc cancels"),
                id="qa-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#qa-duplicates").display = False
        self._status("")
        self.field("name").focus_control()

    def field(self, name: str) -> WizardField:
        return self.query_one(f"#qa-{name}", WizardField)

    def values(self) -> dict[str, str]:
        return {spec.name: str(self.field(spec.name).value) for spec in FIELDS}

    # --- duplicates as you type ---------------------------------------------------------

    @on(Input.Changed)
    def _typed(self) -> None:
        if self.mode == "form":
            values = self.values()
            self.query_one(LiveDuplicates).look(values["name"], values["phone"], values["email"])

    def action_open_existing(self) -> None:
        """ctrl+o: open the customer on file this one looks like, instead of adding it."""
        if self.mode == "duplicates":
            self._open_highlighted()
        elif not self.query_one(LiveDuplicates).open_existing():
            self.notify("Nothing on file looks like this customer so far.", markup=False)

    @on(LiveDuplicates.OpenRequested)
    def _open_existing(self, event: LiveDuplicates.OpenRequested) -> None:
        self.dismiss(event.customer_id)

    # --- checking and saving ------------------------------------------------------

    @on(Input.Blurred)
    def _left_field(self, event: Input.Blurred) -> None:
        field = next((a for a in event.input.ancestors if isinstance(a, WizardField)), None)
        if field is not None and self.mode == "form":
            self.check(field)

    def check(self, field: WizardField) -> bool:
        """The service's rule for the phone or e-mail (a phone is shown formatted); a name
        is only warned about (digits or an @ in it)."""
        raw = str(field.value)
        if field.spec.name == "name":
            field.show_warning(self.services.customers.warning_for("name", raw))
            return True
        try:
            cleaned = self.services.customers.validate_field(field.spec.name, raw)
        except ValidationError as error:
            field.show_error(error.message)
            return False
        field.show_error(None)
        if field.spec.name == "phone" and cleaned:
            field.value = format_phone(cleaned)
        return True

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.mode == "busy":
            return
        if self.mode == "duplicates":
            if not self.query_one("#qa-save-anyway", Button).disabled:
                self._start(check_duplicates=False)
            return
        valid = [self.check(self.field(name)) for name in ("phone", "email")]
        if not all(valid):
            return
        self._start(check_duplicates=True)

    def _start(self, *, check_duplicates: bool) -> None:
        self.mode = "busy"
        self._status("Checking for duplicates…" if check_duplicates else "Saving…")
        self._check_and_save(self.values(), check_duplicates)

    @work(
        thread=True,
        exclusive=True,
        group="quick-add",
        exit_on_error=False,
        description="Check for duplicates and save a quick add",
    )
    def _check_and_save(self, values: dict[str, str], check_duplicates: bool) -> None:
        name, phone, email = values["name"], values["phone"], values["email"]
        try:
            if check_duplicates and name.strip() and (phone.strip() or email.strip()):
                hits = self.services.duplicates.find(name, phone, email)
                if hits:
                    self.post_message(self.DuplicatesFound(hits))
                    return
            created = self.services.customers.quick_add(name, phone or None, email or None)
        except ValidationError as error:
            self.post_message(self.Refused(error))
        except CrmError as error:
            self.post_message(self.Refused(ValidationError("", error.message)))
        else:
            self.post_message(self.Saved(created.id))

    @on(Saved)
    def saved(self, event: Saved) -> None:
        self.dismiss(event.customer_id)

    @on(DuplicatesFound)
    def duplicates_found(self, event: DuplicatesFound) -> None:
        self._show_duplicates(event.hits)

    @on(Refused)
    def refused(self, event: Refused) -> None:
        self._refused(event.error)

    @on(Worker.StateChanged)
    def _worker_ended(self, event: Worker.StateChanged) -> None:
        # Unexpected failures reach the app's one handler; the dialog stays usable.
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.mode = "form"
            self._status("")

    def _refused(self, error: ValidationError) -> None:
        self._hide_duplicates()
        name = {"first_name": "name", "last_name": "name"}.get(error.field, error.field)
        if name in {spec.name for spec in FIELDS}:
            self.field(name).show_error(error.message)
            self.field(name).focus_control()
            self._status("")
        else:
            self._status(error.message)

    # --- the duplicate warning --------------------------------------------------------

    def _show_duplicates(self, hits: list[LikelyDuplicate]) -> None:
        self.mode = "duplicates"
        self.hits = hits
        said = "1 customer on file looks" if len(hits) == 1 else f"{len(hits)} customers look"
        self.query_one("#qa-dup-title", Static).update(
            Content(f"Possible duplicate: {said} like this one.")
        )
        options = self.query_one("#qa-dup-list", OptionList)
        options.clear_options()
        options.add_options(Option(duplicate_prompt(hit), id=str(hit.id)) for hit in hits)
        options.highlighted = 0
        same_email = next((h for h in hits if SAME_EMAIL in h.reasons), None)
        save_anyway = self.query_one("#qa-save-anyway", Button)
        save_anyway.disabled = same_email is not None
        if same_email is not None:
            self._status(
                f"The e-mail already belongs to {same_email.number}: open it, or go back "
                "and change the e-mail."
            )
        else:
            self._status("")
        self.query_one(LiveDuplicates).set_active(False)
        self.query_one("#qa-duplicates").display = True
        options.focus()

    def _hide_duplicates(self) -> None:
        self.mode = "form"
        self.query_one("#qa-duplicates").display = False
        self.query_one(LiveDuplicates).set_active(True)

    @on(OptionList.OptionSelected, "#qa-dup-list")
    def _open_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    @on(Button.Pressed, "#qa-open")
    def _open_highlighted(self) -> None:
        options = self.query_one("#qa-dup-list", OptionList)
        if options.highlighted is not None:
            self.dismiss(self.hits[options.highlighted].id)

    @on(Button.Pressed, "#qa-save-anyway")
    def _save_anyway(self) -> None:
        self._start(check_duplicates=False)

    @on(Button.Pressed, "#qa-back")
    def go_back(self) -> None:
        taken = any(SAME_EMAIL in hit.reasons for hit in self.hits)
        self._hide_duplicates()
        self._status("")
        # A taken e-mail is what has to change; otherwise start again from the name.
        self.field("email" if taken else "name").focus_control()

    def _status(self, message: str) -> None:
        status = self.query_one("#qa-status", Static)
        status.update(Content(message))
        status.display = bool(message)

    # --- leaving ----------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.mode == "duplicates":
            self.go_back()
            return
        if self.focused is self.query_one("#live-dup-list"):  # back from the list to the form
            self.field("name").focus_control()
            return
        typed = any(v.strip() for v in self.values().values())
        leave_asking_first(self, None, typed=typed, question="Discard this customer?")
