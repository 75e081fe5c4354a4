"""The one pick-one dialog of the app: a status, a segment, a sort order, a bulk action.

Usage::

    self.app.push_screen(ChoiceModal("Change status", [("block", "Block…")]), callback=on_key)
    # on_key("block"), or None when cancelled

    self.app.push_screen(ChoiceModal("Add to segment", load=read_segments), callback=on_id)
    # `load` runs in a thread worker; the list fills in when it answers

Keys, the same wherever it is asked: arrows move, `enter` chooses, `escape` cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.dialog import DIALOG_CSS, DialogText, shown

KeyT = TypeVar("KeyT")


class ChoiceModal(CrmModal[KeyT | None], Generic[KeyT]):
    """Pick one of `choices` ((key, label) pairs); dismisses the key, or None on `escape`.

    `load`, when given, reads the choices in a thread worker instead (a service
    call); `current` starts the highlight on that key; `empty` is said when
    there is nothing to choose from.
    """

    CSS_PATH: ClassVar = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    @dataclass
    class ChoicesLoaded(Message):
        """What `load` read: the (key, label) pairs to offer."""

        choices: list[tuple[Any, DialogText]]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[KeyT, DialogText]] = (),
        *,
        load: Callable[[], Sequence[tuple[KeyT, DialogText]]] | None = None,
        current: KeyT | None = None,
        empty: str = "Nothing to choose from.",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.load = load
        self.current = current
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield OptionList(*self._options(), id="choice-list", compact=True)
            yield Static(Content(""), id="choice-state", classes="dialog-message")
            yield Static(Content("enter choose · esc cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        if self.load is None:
            self._offer()
            return
        self.query_one("#choice-list", OptionList).display = False
        self.query_one("#choice-state", Static).update(Content("loading…"))
        self.read_choices(self.load)

    @work(
        thread=True,
        exclusive=True,
        group="choice-load",
        exit_on_error=False,
        description="Read the choices for a dialog",
    )
    def read_choices(self, load: Callable[[], Sequence[tuple[KeyT, DialogText]]]) -> None:
        self.post_message(self.ChoicesLoaded(list(load())))

    @on(ChoicesLoaded)
    def _loaded(self, event: ChoicesLoaded) -> None:
        self.choices = event.choices
        self.query_one("#choice-list", OptionList).add_options(self._options())
        self._offer()

    def _options(self) -> list[Option]:
        return [Option(shown(label), id=str(i)) for i, (_key, label) in enumerate(self.choices)]

    def _offer(self) -> None:
        options = self.query_one("#choice-list", OptionList)
        state = self.query_one("#choice-state", Static)
        options.display = bool(self.choices)
        state.display = not self.choices
        if not self.choices:
            state.update(Content(self.empty))
            return
        keys = [key for key, _label in self.choices]
        if self.current is not None and self.current in keys:
            options.highlighted = keys.index(self.current)
        elif options.highlighted is None:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#choice-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
