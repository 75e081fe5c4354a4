"""Small dialogs for the segments, tags and billing-group screens.

`PromptModal` asks for one line of text and can check it with a service call
in a worker before closing (so a duplicate name is refused with the
service's sentence, beside the field). `AskModal` is a yes/no question and
`PickModal` picks one item from a list. Every text is shown literally.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.services.errors import CrmError
from crm_tui.ui.styles import stylesheet

# A check run in a worker: returns the value to dismiss with, or raises CrmError.
Check = Callable[[str], object]


class PromptModal(ModalScreen[object | None]):
    """One line of text. `enter` submits; `escape` cancels (None).

    With `check`, the text is passed to it in a thread worker; its result is
    what the dialog returns, and a CrmError's message is shown under the field.
    """

    CSS_PATH: ClassVar = [str(stylesheet("group_dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        check: Check | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.placeholder = placeholder
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="group-dialog"):
            yield Static(Text(self.title_text), classes="group-dialog-title")
            yield Input(self.initial, placeholder=self.placeholder, id="prompt-input")
            yield Static(Text(""), id="prompt-error", classes="group-dialog-error")
            yield Static(
                Text(self.hint or "enter to save · escape to cancel"), classes="group-dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def submit(self, event: Input.Submitted) -> None:
        if self.check is None:
            self.dismiss(event.value)
            return
        self.run_check(event.value)

    @work(thread=True, exclusive=True, group="prompt-check", exit_on_error=False)
    def run_check(self, text: str) -> None:
        assert self.check is not None
        try:
            result = self.check(text)
        except CrmError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        self.app.call_from_thread(self.dismiss, result)

    def show_error(self, message: str) -> None:
        self.query_one("#prompt-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskModal(ModalScreen[bool]):
    """A yes/no question: `y`/`enter` answers yes, `n`/`escape` no."""

    CSS_PATH: ClassVar = [str(stylesheet("group_dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="group-dialog"):
            yield Static(Text(self.title_text), classes="group-dialog-title")
            yield Static(Text(self.message), classes="group-dialog-message")
            yield Static(Text("y yes · n no"), classes="group-dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PickModal(ModalScreen[int | None]):
    """Pick one of `(id, label)` items; `enter` picks, `escape` cancels (None)."""

    CSS_PATH: ClassVar = [str(stylesheet("group_dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, items: Sequence[tuple[int, str]], *, empty: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.items = list(items)
        self.empty = empty or "Nothing to choose from."

    def compose(self) -> ComposeResult:
        with Vertical(classes="group-dialog"):
            yield Static(Text(self.title_text), classes="group-dialog-title")
            if self.items:
                yield OptionList(
                    *[Option(Text(label), id=str(item_id)) for item_id, label in self.items],
                    id="pick-list",
                )
            else:
                yield Static(Text(self.empty), classes="group-dialog-message")
            yield Static(Text("enter to choose · escape to cancel"), classes="group-dialog-hint")

    @on(OptionList.OptionSelected, "#pick-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
