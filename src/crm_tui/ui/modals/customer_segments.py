"""Which hand-picked segments one customer is in: tick or untick, then save."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import SelectionList, Static

from crm_tui.models import format_number
from crm_tui.models.enums import SegmentKind
from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.dialog import DIALOG_CSS


class CustomerSegmentsModal(CrmModal[bool]):
    """`space` ticks, `ctrl+s` saves the changes, `escape` cancels. Dismisses True when saved."""

    CSS_PATH: ClassVar = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    @dataclass
    class Loaded(Message):
        """The hand-picked segments, and the ones this customer is in."""

        segments: list[tuple[int, str]]
        mine: set[int]

    class Saved(Message):
        """The ticks are saved."""

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.before: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(f"Hand-picked segments of {format_number(self.customer_id)}"),
                classes="dialog-title",
            )
            yield SelectionList[int](id="segment-choices")
            yield Static(Text("loading…"), id="segment-choices-state", classes="dialog-message")
            yield Static(Text("space tick · ctrl+s save · escape cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()
        self.load()

    @work(
        thread=True,
        exclusive=True,
        group="customer-segments",
        exit_on_error=False,
        description="Read the customer's hand-picked segments",
    )
    def load(self) -> None:
        segments = [s for s in self.services.segments.list() if s.kind == SegmentKind.STATIC]
        mine = {s.id for s in self.services.segments.static_segments_of(self.customer_id)}
        self.post_message(self.Loaded([(s.id, s.name) for s in segments], mine))

    @on(Loaded)
    def show(self, event: Loaded) -> None:
        segments, mine = event.segments, event.mine
        self.before = mine
        choices = self.query_one(SelectionList)
        choices.clear_options()
        choices.add_options([(Text(name), sid, sid in mine) for sid, name in segments])
        state = self.query_one("#segment-choices-state", Static)
        state.update(Text("" if segments else "There are no hand-picked segments yet."))
        state.display = not segments

    def action_save(self) -> None:
        after = set(self.query_one(SelectionList).selected)
        self.save(after - self.before, self.before - after)

    @work(
        thread=True,
        exclusive=True,
        group="customer-segments-save",
        exit_on_error=False,
        description="Save the customer's hand-picked segments",
    )
    def save(self, added: set[int], removed: set[int]) -> None:
        for segment_id in sorted(added):
            self.services.segments.add_members(segment_id, [self.customer_id])
        for segment_id in sorted(removed):
            self.services.segments.remove_members(segment_id, [self.customer_id])
        self.post_message(self.Saved())

    @on(Saved)
    def saved(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
