"""The one pick-one dialog of the app: a status, a segment, a sort order, a bulk action.

Usage::

    self.app.push_screen(ChoiceModal("Change status", [("block", "Block…")]), callback=on_key)
    # on_key("block"), or None when cancelled

Keys, the same wherever it is asked: arrows move, `enter` chooses, `escape` cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.dialog import DIALOG_CSS, DialogText, shown

KeyT = TypeVar("KeyT")


class ChoiceModal(CrmModal[KeyT | None], Generic[KeyT]):
    """Pick one of `choices` ((key, label) pairs); dismisses the key, or None on `escape`.

    `current` starts the highlight on that key; `empty` is said when there is
    nothing to choose from.
    """

    CSS_PATH: ClassVar = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[KeyT, DialogText]],
        *,
        current: KeyT | None = None,
        empty: str = "Nothing to choose from.",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.current = current
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            if self.choices:
                yield OptionList(
                    *(
                        Option(shown(label), id=str(i))
                        for i, (_k, label) in enumerate(self.choices)
                    ),
                    id="choice-list",
                    compact=True,
                )
            else:
                yield Static(Content(self.empty), classes="dialog-message")
            yield Static(Content("enter choose · esc cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        if not self.choices:
            return
        options = self.query_one("#choice-list", OptionList)
        keys = [key for key, _label in self.choices]
        if self.current is not None and self.current in keys:
            options.highlighted = keys.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected, "#choice-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
