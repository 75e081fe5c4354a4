"""The monthly billing run from the app (`g` on the list, or the palette): what `crm invoice
run` does, with a progress bar.

`p` previews the month (a dry run: invoices, lines and totals per currency,
nothing written); `r` asks, then issues them a batch at a time with the bar
moving; `escape` during a run stops it after the batch in hand (whole
invoices only; running the month again issues the rest and nothing twice).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run import RunResult
from crm_tui.services.roles.policy import Capability
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.clock import today
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.detail.base import money

ABOUT = (
    "Bills every active subscription for the month: one invoice per customer and "
    "currency, one consolidated invoice per billing group. A month billed once is "
    "never billed again."
)


class BillingRunScreen(CrmScreen[None]):
    """Preview and issue one month's invoices, with progress."""

    CSS_PATH: ClassVar = [str(stylesheet("billing_run.tcss"))]
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"run"})
    WRITE_NEEDS: ClassVar[Capability] = Capability.BILL  # a preview reads only
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back / stop"),
        Binding("m", "month", "Month"),
        Binding("p", "preview", "Preview"),
        Binding("r", "run", "Run"),
    ]

    @dataclass
    class Progressed(Message):
        """`done` of `total` payers billed so far."""

        done: int
        total: int

    @dataclass
    class Finished(Message):
        """What the run (or the preview) did; `then_ask`: a preview before a run."""

        result: RunResult
        then_ask: bool = False

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.preview: RunResult | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(id="run-body"):
            yield Static(Content("Billing run"), classes="run-title")
            yield Static(Content(ABOUT), id="run-about")
            with Horizontal(id="run-month-row"):
                yield Label(Content("Month"), id="run-month-label")
                yield Input(
                    today().strftime("%Y-%m"), placeholder="YYYY-MM", id="run-month",
                    restrict=r"[0-9-]*", max_length=7, compact=True,
                )  # fmt: skip
                yield Static(Content("enter previews"), id="run-month-hint")
            yield ProgressBar(id="run-progress", show_eta=False)
            yield Static(Text("p previews the month, r issues its invoices."), id="run-status")
            yield DataTable(id="run-totals", cursor_type="row")
        yield CrmFooter()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#run-totals", DataTable)
        table.add_column("Currency", width=10)
        table.add_column("Invoiced", width=16)
        table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("month", "preview", "run") and self.running:
            return False
        return self.crm.write_allowed(action, {"run"})

    # --- keys ---------------------------------------------------------------------

    def action_back(self) -> None:
        if self.running:
            self._stop.set()
            self._status("Stopping after the batch in hand…", "bold")
            return
        self.dismiss(None)

    def action_month(self) -> None:
        self.query_one("#run-month", Input).focus()

    @on(Input.Submitted, "#run-month")
    def action_preview(self) -> None:
        month = self._month()
        if month is not None:
            self._start(month, dry_run=True)

    def action_run(self) -> None:
        if not self.writable():
            return
        month = self._month()
        if month is None:
            return
        preview = self.preview if self.preview and self.preview.month == month.label else None
        if preview is None:
            self._status(f"Previewing {month.label} first…", "dim")
            self._start(month, dry_run=True, then_ask=True)
            return
        self._ask(month, preview)

    def _ask(self, month: Month, preview: RunResult) -> None:
        if preview.invoices == 0:
            return  # the preview said there is nothing to bill

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(month, dry_run=False)

        self.app.push_screen(
            ConfirmationModal(
                Text(
                    f"Issue {preview.invoices:,} invoices for {month.label} "
                    f"({_sums(preview)}), dated today?"
                ),  # fmt: skip
                title="Billing run",
                confirm="Issue",
            ),
            callback=answered,
        )

    def _month(self) -> Month | None:
        try:
            return Month.parse(self.query_one("#run-month", Input).value)
        except ValidationError as error:
            self._status(error.message, "bold")
            self.query_one("#run-month", Input).focus()
            return None

    # --- the run ------------------------------------------------------------------

    def _start(self, month: Month, *, dry_run: bool, then_ask: bool = False) -> None:
        self.running = True
        self._stop.clear()
        self.refresh_bindings()
        bar = self.query_one("#run-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#run-totals", DataTable).focus()
        verb = "Previewing" if dry_run else "Billing"
        self._status(f"{verb} {month.label}… (escape stops)", "dim")
        self._run(month, dry_run, then_ask)

    @work(thread=True, exclusive=True, group="billing-run", exit_on_error=False,
          description="Run the month's billing")  # fmt: skip
    def _run(self, month: Month, dry_run: bool, then_ask: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        result = self.services.billing_run.run(
            month, on=today(), dry_run=dry_run, progress=progress, stop=self._stop.is_set
        )
        self.post_message(self.Finished(result, then_ask))

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        self.query_one("#run-progress", ProgressBar).update(
            total=max(event.total, 1), progress=event.done
        )
        if not self._stop.is_set():
            self._status(f"{event.done:,} of {event.total:,} customers", "dim")

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self.running = False
        self.refresh_bindings()
        result = event.result
        if result.dry_run:
            self.preview = result
        elif self.preview is not None and self.preview.month == result.month:
            self.preview = None  # what it previewed is issued (or partly): look again
        self._status(_said(result), "bold")
        table: DataTable[Text] = self.query_one("#run-totals", DataTable)
        table.clear()
        for currency, total in sorted(result.totals.items()):
            table.add_row(Text(currency), Text(money(total, currency), justify="right"))
        bar = self.query_one("#run-progress", ProgressBar)
        if not result.stopped:
            bar.update(total=max(bar.total or 1, 1), progress=max(bar.total or 1, 1))
        if event.then_ask and not result.stopped:
            self._ask(Month.parse(result.month), result)

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "billing-run" and event.state == WorkerState.ERROR:
            self.running = False  # the app's failure handler says why
            self.refresh_bindings()
            self._status("The run failed; the batches before the failure are issued.", "bold")

    def _status(self, message: str, style: str) -> None:
        self.query_one("#run-status", Static).update(Text(message, style=style))


def _sums(result: RunResult) -> str:
    return ", ".join(money(t, c) for c, t in sorted(result.totals.items())) or "nothing"


def _said(result: RunResult) -> str:
    """One sentence on what a run or preview did."""
    counted = f"{result.invoices:,} invoices ({result.lines:,} lines)"
    if result.dry_run and result.invoices == 0:
        return f"Nothing to bill for {result.month}: every active subscription is billed for it."
    if result.dry_run:
        return f"{result.month} would issue {counted}; r issues them."
    if result.stopped:
        return (f"Stopped: {counted} issued for {result.month}; r issues the rest, "
                "nothing twice.")  # fmt: skip
    if result.invoices == 0:
        return f"Nothing new to issue for {result.month}; it is billed already."
    return f"Issued {counted} for {result.month}."
