"""A small add/edit form for one child row (contact, note, payment, ...).

The form knows nothing about the row: it is given its fields, the starting
values and a `save(values, expected_version)` function, which it runs in a
thread. A `ValidationError` is shown beside the field it names; a
`ConflictError` opens the ConflictModal (reload, or re-apply with the current
version). Edits send only the fields that were changed, so another clerk's
save to a different field merges instead of conflicting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.errors import ConflictError, CrmError, ValidationError
from crm_tui.services.history import HistoryEntry
from crm_tui.services.live import Changed
from crm_tui.text import literal
from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.confirmation import leave_asking_first
from crm_tui.ui.modals.conflict import ConflictChoice, ConflictModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.underneath import changed_underneath

FieldKind = Literal["text", "choice", "check", "long"]
Value = str | bool
SaveFn = Callable[[dict[str, Any], int | None], object]


@dataclass(frozen=True)
class FormField:
    """One input: `choices` are (value, label) for kind "choice"; labels shown literally.

    With `depends_on` (another field's name) the row shows only while that
    field's value is one of `shown_for`, and a choice offers `choices_for[value]`
    (a call's outcomes, a meeting's); hidden, it keeps and sends what it had.
    """

    name: str
    label: str
    kind: FieldKind = "text"
    choices: Sequence[tuple[str, str]] = field(default_factory=tuple)
    placeholder: str = ""
    depends_on: str = ""
    shown_for: frozenset[str] = frozenset()
    choices_for: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class WatchedRow:
    """The stored row an edit form shows: whose it is, its kind in the change log (the
    subject people read: "address"), and its id."""

    customer_id: int
    entity: str
    row_id: int

    @property
    def subject(self) -> str:
        return self.entity.replace("_", " ")


class ItemFormModal(CrmModal[bool]):
    """Add or edit one item; dismisses True once saved, False when cancelled or reloaded.

    `version` is None for a new item; for an edit it is the version the values
    were read at, passed to `save` as the expected version.
    """

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    @dataclass
    class Saved(Message):
        """The service took the values; `notice` is what it said about them, if anything
        (a payment left as credit for want of a rate)."""

        notice: str = ""

    @dataclass
    class Refused(Message):
        """The service refused a value: `field` names it ("" for the form as a whole)."""

        field: str
        message: str

    @dataclass
    class Conflicted(Message):
        """Another clerk saved this row after the form opened it."""

        error: ConflictError

    @dataclass
    class ChangedUnderneath(Message):
        """Someone else saved the row being edited (newest first)."""

        entries: list[HistoryEntry]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        save: SaveFn,
        *,
        values: Mapping[str, Value] | None = None,
        version: int | None = None,
        watch: WatchedRow | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.save_fn = save
        self.initial: dict[str, Value] = {
            f.name: (values or {}).get(f.name, False if f.kind == "check" else "")
            for f in self.fields
        }
        self.version = version
        self.watched = watch  # an edit: warned of another clerk's save to the same row
        self.seen_change = 0  # the newest change already warned of (its log id)
        self.saving = False
        self._pending: dict[str, Any] = {}

    # --- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static(Content(self.form_title), classes="dialog-title")
            with VerticalScroll(classes="form-fields", can_focus=False):
                for spec in self.fields:
                    with Horizontal(
                        classes=f"form-row form-row-{spec.kind}", id=f"row-{spec.name}"
                    ):
                        yield Label(Content(spec.label), classes="form-label")
                        yield self._input_for(spec)
                    yield Static("", id=f"error-{spec.name}", classes="field-error")
            yield Static("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content("Save (ctrl+s)"), variant="primary", id="form-save", compact=True
                )
                yield Button(Content("Cancel (esc)"), id="form-cancel", compact=True)

    def on_mount(self) -> None:
        self._show_dependent_rows()
        first = self.first_to_type_into()
        if first is not None:
            self.query_one(f"#field-{first.name}").focus()

    def first_to_type_into(self) -> FormField | None:
        """The field a person types into first: the first empty text field (the amount of a
        payment, whose date is filled in), else the first text field, else the first field."""
        typed = [f for f in self.fields if f.kind in ("text", "long")]
        empty = [f for f in typed if not self.initial[f.name]]
        return next(iter(empty or typed or self.fields), None)

    @on(Select.Changed)
    def _show_dependent_rows(self) -> None:
        """Show the rows that apply to the choice made (a call's length and outcome)."""
        for spec in self.fields:
            if not spec.depends_on:
                continue
            control = self.query_one(f"#field-{spec.depends_on}", Select)
            key = "" if control.value is Select.NULL else str(control.value)
            shown = key in spec.shown_for
            self.query_one(f"#row-{spec.name}").display = shown
            self.query_one(f"#error-{spec.name}").display = shown
            choices = spec.choices_for.get(key)
            widget = self.query_one(f"#field-{spec.name}")
            if choices is not None and isinstance(widget, Select):
                keep = widget.value
                widget.set_options([(Content(literal(label)), k) for k, label in choices])
                if keep in {k for k, _label in choices}:
                    widget.value = keep

    def _input_for(self, spec: FormField) -> Widget:
        value = self.initial[spec.name]
        widget_id = f"field-{spec.name}"
        if spec.kind == "check":
            return Checkbox(value=bool(value), id=widget_id, compact=True)
        if spec.kind == "choice":
            every = [*spec.choices, *(c for cs in spec.choices_for.values() for c in cs)]
            options = [(Content(literal(label)), key) for key, label in dict(every).items()]
            known = {key for key, _ in every}
            return Select(
                options,
                value=value if value in known else Select.NULL,
                allow_blank=value not in known,
                prompt="—",
                id=widget_id,
                compact=True,
            )
        if spec.kind == "long":
            return TextArea(str(value), id=widget_id, compact=True, soft_wrap=True)
        return Input(str(value), placeholder=spec.placeholder, id=widget_id, compact=True)

    # --- values ---------------------------------------------------------------

    def current_values(self) -> dict[str, Value]:
        """What each field holds; a hidden row counts as untouched."""
        out: dict[str, Value] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if spec.depends_on and not self.query_one(f"#row-{spec.name}").display:
                out[spec.name] = self.initial[spec.name]
                continue
            if isinstance(widget, Checkbox):
                out[spec.name] = widget.value
            elif isinstance(widget, Select):
                out[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, TextArea):
                out[spec.name] = widget.text
            elif isinstance(widget, Input):
                out[spec.name] = widget.value
        return out

    def changes(self) -> dict[str, Value]:
        """What to send: every filled field for a new item, only changed fields for an edit."""
        current = self.current_values()
        if self.version is None:
            return {k: v for k, v in current.items() if v != ""}
        return {k: v for k, v in current.items() if v != self.initial[k]}

    @property
    def dirty(self) -> bool:
        return self.current_values() != self.initial

    # --- saving -----------------------------------------------------------------

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.saving:
            return
        changes = self.changes()
        if self.version is not None and not changes:
            self.notify("Nothing was changed.", markup=False)
            self.dismiss(False)
            return
        self.clear_errors()
        self._pending = changes
        self.saving = True
        self._save(changes, self.version)

    @work(
        thread=True,
        exclusive=True,
        group="item-form-save",
        exit_on_error=False,
        description="Save a detail item",
    )
    def _save(self, changes: dict[str, Any], version: int | None) -> None:
        try:
            result = self.save_fn(changes, version)
        except ConflictError as error:
            self.post_message(self.Conflicted(error))
        except ValidationError as error:
            self.post_message(self.Refused(error.field, error.message))
        except CrmError as error:
            self.post_message(self.Refused("", error.message))
        else:
            notice = getattr(result, "notice", "")
            self.post_message(self.Saved(notice if isinstance(notice, str) else ""))

    @on(Saved)
    def saved(self, event: Saved) -> None:
        if event.notice:
            self.app.notify(event.notice, severity="warning", markup=False, timeout=15)
        self.dismiss(True)

    @on(Refused)
    def refused(self, event: Refused) -> None:
        self.show_error(event.field, event.message)

    @on(Conflicted)
    def conflicted(self, event: Conflicted) -> None:
        self._conflict(event.error)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        # Unexpected failures reach the app's handler; the form stays usable.
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.saving = False

    def _conflict(self, error: ConflictError) -> None:
        self.saving = False

        def chosen(choice: ConflictChoice | None) -> None:
            if choice == "reapply":
                self.version = error.current_version
                self.saving = True
                self._save(self._pending, self.version)
            else:
                self.notify(
                    f"Reloaded: the {error.entity} now shows the other clerk's values.",
                    markup=False,
                )
                self.dismiss(True)  # True: the caller reloads what is stored

        self.app.push_screen(ConflictModal(error), callback=chosen)

    def clear_errors(self) -> None:
        for error in self.query(".field-error"):
            error.remove_class("-shown")

    def show_error(self, field_name: str, message: str) -> None:
        """Put the service's message beside the field it names (else under the form)."""
        self.saving = False
        self.clear_errors()
        names = {spec.name for spec in self.fields}
        if field_name not in names and field_name == "card":
            field_name = self._field_with_card_number() or field_name
        target = f"#error-{field_name}" if field_name in names else "#form-error"
        error = self.query_one(target, Static)
        error.update(Content(message))
        error.add_class("-shown")
        if field_name in names:
            self.query_one(f"#field-{field_name}").focus()

    def _field_with_card_number(self) -> str | None:
        for name, value in self.current_values().items():
            if isinstance(value, str) and contains_card_number(value):
                return name
        return None

    # --- someone else's save ------------------------------------------------------

    def customers_changed(self, changed: Changed) -> None:
        """Another clerk saved this customer: if it was this row, say so before the save
        meets it (the save still merges other fields and asks about the same ones)."""
        watch = self.watched
        if watch is None or self.version is None or self.saving:
            return
        if changed.touches(watch.customer_id):
            self._check_underneath(watch, self.version)

    @work(
        thread=True,
        exclusive=True,
        group="item-form-underneath",
        exit_on_error=False,
        description="Read what someone else changed",
    )
    def _check_underneath(self, watch: WatchedRow, version: int) -> None:
        newer = self.services.history.for_row(
            watch.customer_id, watch.entity, watch.row_id, after_version=version
        )
        if newer and newer[0].id > self.seen_change:
            self.post_message(self.ChangedUnderneath(newer))

    @on(ChangedUnderneath)
    def _changed_underneath(self, event: ChangedUnderneath) -> None:
        if self.saving or self.watched is None:
            return  # our own save, or one already on its way to meet theirs
        self.seen_change = event.entries[0].id
        text = changed_underneath(event.entries, self.watched.subject)
        status = self.query_one("#form-error", Static)
        status.update(Content(text))
        status.add_class("-shown")
        self.notify(text, severity="warning", markup=False, timeout=10)

    # --- leaving ----------------------------------------------------------------

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        leave_asking_first(self, False, typed=self.dirty, question="Discard what you typed?")
