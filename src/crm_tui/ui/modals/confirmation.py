"""The one yes/no dialog of the app.

Usage::

    self.app.push_screen(ConfirmationModal("Deactivate Ana Lima?"), callback=on_answer)
    # on_answer(True) when confirmed, on_answer(False) when not

Keys, the same wherever it is asked: `y` yes, `n` or `escape` no; focus starts
on the confirming button, so `enter` says yes and `tab` moves to the other.
Forms leave through `leave_asking_first`, the one "discard what you typed?".
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.dialog import DIALOG_CSS, DialogText, shown

ResultT = TypeVar("ResultT")


class ConfirmationModal(CrmModal[bool]):
    """Ask a yes/no question; dismisses True (yes) or False (no).

    Args:
        message: the question; a plain str is shown literally.
        title: the dialog's heading.
        confirm: label of the confirming button.
        cancel: label of the cancelling button.
        danger: style the confirm button as destructive.
    """

    CSS_PATH: ClassVar = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(
        self,
        message: DialogText,
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
            yield Static(shown(self.message), classes="dialog-message")
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


def leave_asking_first(
    screen: Screen[ResultT], result: ResultT, *, typed: bool, question: str
) -> None:
    """`escape` on a form: dismiss with `result`, asking first when something was typed."""
    if not typed:
        screen.dismiss(result)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            screen.dismiss(result)

    screen.app.push_screen(
        ConfirmationModal(question, title="Unsaved changes", confirm="Discard", danger=True),
        callback=answered,
    )
