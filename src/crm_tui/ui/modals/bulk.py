"""Dialogs for bulk actions on the marked customers: choose, ask, confirm, run.

`BulkProgressModal` runs a bulk job in a thread worker, shows its progress,
and cancels it on `escape`; the job checks the cancel flag between chunks,
so whole chunks are done and the rest is untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.models.enums import CustomerStatus
from crm_tui.services.bulk.service import BulkResult, CancelFn, ProgressFn
from crm_tui.ui.styles import stylesheet

DIALOGS: list[str | PurePath] = [stylesheet("list_dialogs.tcss")]

BULK_ACTIONS: tuple[tuple[str, str], ...] = (
    ("add-tag", "Add a tag…"),
    ("remove-tag", "Remove a tag…"),
    ("status", "Change status…"),
    ("export", "Export to CSV…"),
)
# Actions that need the ids in hand: offered for hand-marked rows only.
ID_ACTIONS: tuple[tuple[str, str], ...] = (
    ("segment-add", "Add to a hand-picked segment…"),
    ("segment-remove", "Remove from a hand-picked segment…"),
    ("billing-group", "Add to a billing group…"),
    ("merge", "Merge these customers…"),
)
STATUS_CHOICES = tuple(s.value for s in CustomerStatus if s != CustomerStatus.MERGED)

BulkJob = Callable[[ProgressFn, CancelFn], BulkResult]


def default_export_path(now: datetime | None = None) -> Path:
    """~/customers-YYYYmmdd-HHMMSS.csv: new each time, so nothing is overwritten."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path.home() / f"customers-{stamp}.csv"


class BulkMenuModal(ModalScreen[str | None]):
    """Which bulk action to run on `scope` (e.g. '3 marked customers')."""

    CSS_PATH: ClassVar = DIALOGS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, scope: str, actions: Sequence[tuple[str, str]] = BULK_ACTIONS) -> None:
        super().__init__()
        self.scope = scope
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="bulk-dialog"):
            yield Static(Content(f"Bulk action on {self.scope}"), classes="dialog-title")
            yield OptionList(
                *(Option(Content(label), id=key) for key, label in self.actions),
                id="bulk-options",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#bulk-options")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPromptModal(ModalScreen[str | None]):
    """Ask for one line of text (a tag name, a reason, a file path); None on escape."""

    CSS_PATH: ClassVar = DIALOGS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        value: str = "",
        suggestions_from: Callable[[], Sequence[str]] | None = None,
        required_message: str = "Type a value first.",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.suggestions_from = suggestions_from
        self.required_message = required_message

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="prompt-dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Static(Content(self.prompt), classes="dialog-message")
            yield Input(self.value, id="prompt-input")
            yield Static("", id="prompt-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.suggestions_from is not None:
            self.load_suggestions()

    @work(thread=True, exclusive=True, group="suggestions", exit_on_error=False)
    def load_suggestions(self) -> None:
        """Completions (e.g. existing tag names) from the database, off the UI thread."""
        assert self.suggestions_from is not None
        values = list(self.suggestions_from())
        self.app.call_from_thread(self._suggest, values)

    def _suggest(self, values: list[str]) -> None:
        self.query_one(Input).suggester = SuggestFromList(values, case_sensitive=False)

    @on(Input.Submitted, "#prompt-input")
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        value = self.query_one("#prompt-input", Input).value.strip()
        if not value:
            self.query_one("#prompt-error", Static).update(Text(self.required_message))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusModal(ModalScreen[str | None]):
    """Pick the new status for the marked customers."""

    CSS_PATH: ClassVar = DIALOGS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="status-dialog"):
            yield Static(Content(f"New status for {self.scope}"), classes="dialog-title")
            yield OptionList(
                *(Option(Content(status), id=status) for status in STATUS_CHOICES),
                id="status-options",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#status-options")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BulkConfirmModal(ModalScreen[bool]):
    """Yes/no before a bulk change: `y`/enter on Yes confirms, `n`/escape cancels."""

    CSS_PATH: ClassVar = DIALOGS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="confirm-dialog"):
            yield Static("Are you sure?", classes="dialog-title")
            yield Static(Content(self.question), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes", id="yes", variant="warning", compact=True)
                yield Button("No", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class BulkProgressModal(ModalScreen[BulkResult | None]):
    """Runs `job` in a thread worker with a progress bar; escape cancels it.

    Dismisses with the job's result (its `cancelled` flag set when stopped
    early), or None when the job failed (the app's worker-failure handler
    says why).
    """

    CSS_PATH: ClassVar = DIALOGS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel_job", "Cancel")]

    @dataclass
    class Progressed(Message):
        """`done` of `total` customers processed so far."""

        done: int
        total: int

    def __init__(self, title: str, job: BulkJob) -> None:
        super().__init__()
        self.title_text = title
        self.job = job
        self._worker: Worker[BulkResult] | None = None
        # Our own flag, not Worker.cancel(): a cancelled worker drops its result,
        # and we want the job's own account of what it finished.
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="list-dialog", id="progress-dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield ProgressBar(id="bulk-progress", show_eta=False)
            yield Static(Text("starting…", style="dim"), id="progress-text", markup=False)
            yield Static(Text("escape cancels", style="dim"), markup=False)

    def on_mount(self) -> None:
        self._worker = self.run_job()

    @work(thread=True, exclusive=True, group="bulk", exit_on_error=False)
    def run_job(self) -> BulkResult:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        return self.job(progress, lambda: self._stop.is_set() or worker.is_cancelled)

    @on(Progressed)
    def show_progress(self, event: Progressed) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(event.total, 1), progress=event.done)
        self.query_one("#progress-text", Static).update(
            Text(f"{event.done:,} of {event.total:,} customers")
        )

    @on(Worker.StateChanged)
    def finished(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.dismiss(None)  # the app's one failure handler shows the error

    def action_cancel_job(self) -> None:
        if not self._stop.is_set():
            # The job sees the flag between chunks and returns a cancelled result.
            self._stop.set()
            self.query_one("#progress-text", Static).update(Text("cancelling…", style="dim"))
