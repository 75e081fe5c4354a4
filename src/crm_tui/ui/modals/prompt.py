"""The one text prompt of the app: a tag name, a reason, a file path, a new name.

Usage::

    self.app.push_screen(PromptModal("Block Ana Lima", message="Why?"), callback=on_text)
    # on_text("stolen card"), or None when cancelled

    self.app.push_screen(PromptModal("New tag", check=tags.create), callback=on_created)
    # `check` runs in a thread worker; what it returns is the answer

Keys, the same wherever it is asked: `enter` submits, `escape` cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, overload

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Static

from crm_tui.services.errors import CrmError
from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.dialog import DIALOG_CSS, DialogText, shown

AnswerT = TypeVar("AnswerT")


class PromptModal(CrmModal[AnswerT | None], Generic[AnswerT]):
    """One line of text; dismisses the answer, or None on `escape`.

    Without `check` the answer is the trimmed text, and an empty one is refused
    with `required`. With `check`, the text goes to it in a thread worker (a
    service call such as creating a tag): its return value is the answer, and
    a CrmError's sentence is shown under the field. `suggestions` (also read in
    a worker) offers completions, such as the existing tag names.
    """

    CSS_PATH: ClassVar = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    @dataclass
    class Checked(Message):
        """`check` accepted the text and returned the answer."""

        answer: Any

    @dataclass
    class Refused(Message):
        """`check` refused the text with this sentence."""

        reason: str

    @dataclass
    class SuggestionsLoaded(Message):
        """Completions for the field."""

        values: list[str]

    @overload
    def __init__(
        self: PromptModal[str],
        title: str,
        *,
        message: DialogText = "",
        value: str = "",
        placeholder: str = "",
        confirm: str = "OK",
        required: str = "Type a value first.",
        suggestions: Callable[[], Sequence[str]] | None = None,
        check: None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        title: str,
        *,
        message: DialogText = "",
        value: str = "",
        placeholder: str = "",
        confirm: str = "OK",
        required: str = "Type a value first.",
        suggestions: Callable[[], Sequence[str]] | None = None,
        check: Callable[[str], AnswerT],
    ) -> None: ...

    def __init__(
        self,
        title: str,
        *,
        message: DialogText = "",
        value: str = "",
        placeholder: str = "",
        confirm: str = "OK",
        required: str = "Type a value first.",
        suggestions: Callable[[], Sequence[str]] | None = None,
        check: Callable[[str], AnswerT] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.initial = value
        self.placeholder = placeholder
        self.confirm_label = confirm
        self.required = required
        self.suggestions = suggestions
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            if self.message:
                yield Static(shown(self.message), classes="dialog-message")
            yield Input(self.initial, placeholder=self.placeholder, id="prompt-input", compact=True)
            yield Static("", id="prompt-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(f"{self.confirm_label} (enter)"),
                    variant="primary",
                    id="prompt-ok",
                    compact=True,
                )
                yield Button(Content("Cancel (esc)"), id="prompt-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        if self.suggestions is not None:
            self.load_suggestions(self.suggestions)

    @work(
        thread=True,
        exclusive=True,
        group="prompt-suggestions",
        exit_on_error=False,
        description="Read completions for a prompt",
    )
    def load_suggestions(self, suggestions: Callable[[], Sequence[str]]) -> None:
        self.post_message(self.SuggestionsLoaded(list(suggestions())))

    @on(SuggestionsLoaded)
    def _suggest(self, event: SuggestionsLoaded) -> None:
        field = self.query_one("#prompt-input", Input)
        field.suggester = SuggestFromList(event.values, case_sensitive=False)

    @on(Input.Submitted, "#prompt-input")
    @on(Button.Pressed, "#prompt-ok")
    def submit(self) -> None:
        text = self.query_one("#prompt-input", Input).value
        if self.check is not None:
            self.run_check(self.check, text)
        elif not text.strip():
            self.show_error(self.required)
        else:
            self.dismiss(text.strip())  # type: ignore[arg-type]  # AnswerT is str here

    @work(
        thread=True,
        exclusive=True,
        group="prompt-check",
        exit_on_error=False,
        description="Check a prompt's text with the services",
    )
    def run_check(self, check: Callable[[str], AnswerT], text: str) -> None:
        try:
            answer = check(text)
        except CrmError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.Checked(answer))

    @on(Checked)
    def _checked(self, event: Checked) -> None:
        self.dismiss(event.answer)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.show_error(event.reason)

    def show_error(self, message: str) -> None:
        error = self.query_one("#prompt-error", Static)
        error.update(Content(message))
        error.add_class("-shown")
        self.query_one("#prompt-input", Input).focus()

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
