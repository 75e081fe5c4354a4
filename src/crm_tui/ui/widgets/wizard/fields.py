"""Building blocks of the customer wizard: a labelled field with its error line.

A `WizardField` is one line (label, then an input, select or checkbox) with
the validation message right under it. It holds no rules: the screen asks
the services whether a value is valid and calls `show_error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.suggester import Suggester, SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from crm_tui.services.validation import CHANNELS

FieldKind = Literal["text", "choice", "check", "channels"]
FieldValue = str | bool


@dataclass(frozen=True)
class FieldSpec:
    """One field of a wizard step.

    `suggest` names a `WizardLookups` attribute whose values complete the
    input (accepted with the right arrow); `tags` completes a comma list.
    """

    name: str
    label: str
    kind: FieldKind = "text"
    choices: tuple[tuple[str, str], ...] = ()
    placeholder: str = ""
    suggest: str = ""
    allow_blank: bool = False


class ListItemSuggester(Suggester):
    """Completes the last item of a comma-separated list (tags) from known names."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = list(names)

    async def get_suggestion(self, value: str) -> str | None:
        head, _sep, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        folded = stem.casefold()
        taken = {part.strip().casefold() for part in head.split(",")}
        for name in self.names:
            key = name.casefold()
            if key.startswith(folded) and key != folded and key not in taken:
                return value[: len(value) - len(stem)] + name
        return None


def suggester_for(spec: FieldSpec, values: Sequence[str]) -> Suggester | None:
    if not values:
        return None
    if spec.suggest == "tags":
        return ListItemSuggester(values)
    return SuggestFromList(values, case_sensitive=False)


class ChannelBoxes(Horizontal):
    """One checkbox per contact channel; the value is the service's comma form."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="wf-channels")

    def compose(self) -> ComposeResult:
        for channel in CHANNELS:
            yield Checkbox(
                Content(channel.upper() if channel == "sms" else channel.capitalize()),
                compact=True,
                name=channel,
                classes="wf-channel",
            )

    @property
    def value(self) -> str:
        return ",".join(box.name or "" for box in self.query(Checkbox) if box.value)

    @value.setter
    def value(self, joined: str) -> None:
        picked = {part.strip() for part in joined.split(",")}
        for box in self.query(Checkbox):
            box.value = box.name in picked


class WizardField(Vertical):
    """A label and its control on one line, the validation message under it."""

    # A reusable widget (wizard and quick add), so its looks travel with it.
    DEFAULT_CSS = """
    WizardField {
        height: auto;
        .wf-row { height: 1; }
        .wf-label { width: 18; color: $text-muted; }
        .wf-control { width: 1fr; max-width: 56; }
        Input.wf-control { background: $boost; }
        Input.wf-control:focus { background: $surface-lighten-1; }
        Select.wf-control { max-width: 30; }
        .wf-error { display: none; height: auto; color: $error; padding: 0 0 0 18; }
        .wf-error.-shown { display: block; }
        .wf-error.-warning { color: $warning; }
        .wf-channels { height: 1; width: 1fr; }
        .wf-channel { margin-right: 2; }
        &.-invalid .wf-label { color: $error; }
        &.-invalid Input.wf-control { background: $error 15%; }
    }
    """

    def __init__(
        self,
        spec: FieldSpec,
        value: FieldValue = "",
        *,
        id: str | None = None,  # noqa: A002 - Textual's own name for it
        control_id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=f"wizard-field wf-{spec.kind} {classes or ''}".strip())
        self.spec = spec
        self._initial = value
        self._control_id = control_id

    def compose(self) -> ComposeResult:
        with Horizontal(classes="wf-row"):
            yield Label(Content(self.spec.label), classes="wf-label")
            yield self._make_control()
        yield Static("", classes="wf-error")

    def _make_control(self) -> Widget:
        spec, value, cid = self.spec, self._initial, self._control_id
        if spec.kind == "check":
            return Checkbox(value=bool(value), id=cid, compact=True, classes="wf-control")
        if spec.kind == "channels":
            return ChannelBoxes(id=cid)
        if spec.kind == "choice":
            keys = {key for key, _label in spec.choices}
            return Select(
                [(Content(label), key) for key, label in spec.choices],
                value=value if value in keys else Select.NULL,
                allow_blank=spec.allow_blank,
                prompt="—",
                id=cid,
                compact=True,
                classes="wf-control",
            )
        return Input(
            str(value),
            placeholder=spec.placeholder,
            id=cid,
            compact=True,
            classes="wf-control",
        )

    @property
    def control(self) -> Widget:
        return self.query_one(".wf-row > .wf-control, .wf-row > ChannelBoxes")

    @property
    def value(self) -> FieldValue:
        control = self.control
        if isinstance(control, Checkbox):
            return control.value
        if isinstance(control, ChannelBoxes):
            return control.value
        if isinstance(control, Select):
            return "" if control.value is Select.NULL else str(control.value)
        assert isinstance(control, Input)
        return control.value

    @value.setter
    def value(self, new: FieldValue) -> None:
        control = self.control
        if isinstance(control, Checkbox):
            control.value = bool(new)
        elif isinstance(control, ChannelBoxes):
            control.value = str(new)
        elif isinstance(control, Select):
            keys = {key for key, _label in self.spec.choices}
            control.value = new if new in keys else Select.NULL
        elif isinstance(control, Input):
            control.value = str(new)
            control.cursor_position = len(control.value)

    def set_suggestions(self, values: Sequence[str]) -> None:
        control = self.control
        if isinstance(control, Input):
            control.suggester = suggester_for(self.spec, values)

    @property
    def error(self) -> str:
        return str(self.query_one(".wf-error", Static).content)

    def show_error(self, message: str | None) -> None:
        """Show the service's message under the field (None clears it)."""
        error = self.query_one(".wf-error", Static)
        error.update(Content(message or ""))
        error.set_class(bool(message), "-shown")
        error.remove_class("-warning")
        self.set_class(bool(message), "-invalid")

    def show_warning(self, message: str | None) -> None:
        """A note under an accepted value (None clears it); the value still saves."""
        self.show_error(message)
        self.remove_class("-invalid")
        self.query_one(".wf-error", Static).set_class(bool(message), "-warning")

    @property
    def warning(self) -> str | None:
        error = self.query_one(".wf-error", Static)
        return str(error.content) if error.has_class("-warning") else None

    def focus_control(self) -> None:
        control = self.control
        if isinstance(control, ChannelBoxes):
            control.query(Checkbox).first().focus()
        else:
            control.focus()
