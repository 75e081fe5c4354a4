"""Small reusable dialogs: yes/no, a required reason, and a pick-one list.

Usage (from any screen)::

    self.app.push_screen(ConfirmModal("Deactivate Ana Lima?"), callback=on_answer)
    # on_answer(True) when confirmed, on_answer(False) when cancelled

    self.app.push_screen(ReasonModal("Block Ana Lima", prompt="Why?"), callback=on_reason)
    # on_reason("stolen card") or on_reason(None)

    self.app.push_screen(ChoiceModal("Status", [("deactivate", "Deactivate")]), callback=...)
    # the chosen key, or None

Plain `str` messages and labels are shown literally (never parsed as markup),
so stored names can go straight in. Pass a `Content` for deliberate styling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.ui.styles import stylesheet

Message = str | Content | Text


def _visual(message: Message) -> Content | Text:
    return Content(message) if isinstance(message, str) else message


class ConfirmModal(ModalScreen[bool]):
    """Ask a yes/no question; dismisses True (`y`, or the confirm button) or False (`n`/`escape`).

    Args:
        message: the question; a plain str is shown literally.
        title: the dialog's heading.
        confirm: label of the confirming button.
        cancel: label of the cancelling button.
        danger: style the confirm button as destructive.
    """

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(
        self,
        message: Message,
        *,
        title: str = "Are you sure?",
        confirm: str = "Yes",
        cancel: str = "No",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self.message = message
        self.title_text = title
        self.confirm_label = confirm
        self.cancel_label = cancel
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Static(_visual(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(f"{self.confirm_label} (y)"),
                    variant="error" if self.danger else "primary",
                    id="confirm-yes",
                    compact=True,
                )
                yield Button(Content(f"{self.cancel_label} (n)"), id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)


class ReasonModal(ModalScreen[str | None]):
    """Ask for a required one-line reason (e.g. why a customer is blocked).

    Dismisses the trimmed text on `enter`/the confirm button, None on `escape`.
    """

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self,
        title: str,
        *,
        prompt: Message = "Reason:",
        placeholder: str = "",
        confirm: str = "OK",
        required_message: str = "Give a reason.",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder
        self.confirm_label = confirm
        self.required_message = required_message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Static(_visual(self.prompt), classes="dialog-message")
            yield Input(placeholder=self.placeholder, id="reason-input", compact=True)
            yield Static("", id="reason-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(f"{self.confirm_label} (enter)"),
                    variant="primary",
                    id="reason-ok",
                    compact=True,
                )
                yield Button(Content("Cancel (esc)"), id="reason-cancel", compact=True)

    @on(Input.Submitted, "#reason-input")
    @on(Button.Pressed, "#reason-ok")
    def _submit(self) -> None:
        reason = self.query_one("#reason-input", Input).value.strip()
        if not reason:
            error = self.query_one("#reason-error", Static)
            error.update(Content(self.required_message))
            error.add_class("-shown")
            self.query_one("#reason-input", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#reason-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of a few actions: `choices` are (key, label); dismisses the key or None."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield OptionList(
                *(Option(Content(label), id=key) for key, label in self.choices),
                id="choice-list",
                compact=True,
            )
            yield Static(Content("enter choose · esc cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected, "#choice-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
