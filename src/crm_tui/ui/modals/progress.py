"""The progress dialog of a bulk action: runs the job, shows how far it got, cancels.

`BulkProgressModal` runs a bulk job in a thread worker, shows its progress,
and cancels it on `escape`; the job checks the cancel flag between chunks,
so whole chunks are done and the rest is untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.services.bulk.service import BulkResult, CancelFn, ProgressFn
from crm_tui.ui.base import CrmModal
from crm_tui.ui.styles import stylesheet

DIALOGS: list[str | PurePath] = [stylesheet("list_dialogs.tcss")]

BulkJob = Callable[[ProgressFn, CancelFn], BulkResult]


class BulkProgressModal(CrmModal[BulkResult | None]):
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

    @dataclass
    class Finished(Message):
        """The job ran to its end (or stopped early when asked): what it did."""

        result: BulkResult

    def __init__(self, title: str, job: BulkJob) -> None:
        super().__init__()
        self.title_text = title
        self.job = job
        self._worker: Worker[None] | None = None
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

    @work(
        thread=True,
        exclusive=True,
        group="bulk",
        exit_on_error=False,
        description="Run a bulk action",
    )
    def run_job(self) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        result = self.job(progress, lambda: self._stop.is_set() or worker.is_cancelled)
        self.post_message(self.Finished(result))

    @on(Progressed)
    def show_progress(self, event: Progressed) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(event.total, 1), progress=event.done)
        self.query_one("#progress-text", Static).update(
            Text(f"{event.done:,} of {event.total:,} customers")
        )

    @on(Finished)
    def finished(self, event: Finished) -> None:
        self.dismiss(event.result)

    @on(Worker.StateChanged)
    def failed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._worker and event.state == WorkerState.ERROR:
            self.dismiss(None)  # the app's one failure handler shows the error

    def action_cancel_job(self) -> None:
        if not self._stop.is_set():
            # The job sees the flag between chunks and returns a cancelled result.
            self._stop.set()
            self.query_one("#progress-text", Static).update(Text("cancelling…", style="dim"))
