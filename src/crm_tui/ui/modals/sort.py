"""The sort dialog of the customer list (`s`): every key, both directions."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.services.search import SortSpec
from crm_tui.ui.styles import stylesheet

# (key, ascending label, descending label); relevance has one direction.
SORT_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("name", "Name A → Z", "Name Z → A"),
    ("lifetime_value", "Lifetime value, lowest first", "Lifetime value, highest first"),
    (
        "active_subscriptions",
        "Active subscriptions, fewest first",
        "Active subscriptions, most first",
    ),
    ("joined", "Joined, oldest first", "Joined, newest first"),
    ("last_purchase", "Last purchase, oldest first", "Last purchase, latest first"),
)


def sort_options() -> list[tuple[str, SortSpec]]:
    """Every choice the dialog offers, in order, with its SortSpec."""
    options: list[tuple[str, SortSpec]] = [("Relevance (best match first)", SortSpec("relevance"))]
    for key, up, down in SORT_CHOICES:
        options.append((up, SortSpec(key, False)))  # type: ignore[arg-type]
        options.append((down, SortSpec(key, True)))  # type: ignore[arg-type]
    return options


class SortModal(ModalScreen[SortSpec | None]):
    """Pick the list order; enter chooses, escape keeps the current one."""

    CSS_PATH: ClassVar = [str(stylesheet("list_dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: SortSpec) -> None:
        super().__init__()
        self.current = current
        self.choices = sort_options()

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="sort-dialog"):
            yield Static("Sort by", classes="dialog-title")
            yield OptionList(
                *(Option(Content(label), id=str(i)) for i, (label, _s) in enumerate(self.choices)),
                id="sort-options",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (_label, spec) in enumerate(self.choices):
            if spec == self.current:
                options.highlighted = i
        options.focus()

    @on(OptionList.OptionSelected, "#sort-options")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
