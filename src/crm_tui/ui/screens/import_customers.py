"""Import customers: pick a file, check the mapping and preview, import with progress.

Steps (one ContentSwitcher): the file path; the mapping (each column and the
field it goes to, `enter` to change) above a preview of the first rows as
they will be saved, with each row's action and problems; progress; summary.
`m` cycles the duplicate mode (skip, update, create), `ctrl+d` runs a dry
run, `ctrl+s` imports, `ctrl+t` writes a template to start from (every
column, one example row) in the current folder and opens it. When a date column reads both day-first and
month-first, the screen asks which it is before anything is imported.
Every file and database call runs in a thread worker.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, DataTable, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.services.errors import CrmError
from crm_tui.services.imports.mapping import TARGETS, Mapping
from crm_tui.services.imports.service import (
    DUPLICATE_MODES,
    ImportPreview,
    ImportProgress,
    ImportService,
    ImportSummary,
)
from crm_tui.services.imports.summary import resume_mode
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.screens.import_messages import Imported, PreviewRead, Progressed, StrayQuoteFound
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.detail.base import cell
from crm_tui.ui.widgets.fitted_table import FittedTable
from crm_tui.ui.widgets.import_tables import PREVIEW_COLUMNS, preview_rows, summary_text

DONE = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class ImportScreen(CrmScreen[None]):
    """Bring customers in from CSV, XLSX or vCard."""

    CSS_PATH: ClassVar = [str(stylesheet("import.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("m", "cycle_mode", "Duplicates"),
        Binding("ctrl+d", "dry_run", "Dry run"),
        Binding("ctrl+s", "start", "Import"),
        Binding("ctrl+t", "template", "Template"),
        Binding("q", "quit_asking", "Quit"),  # the app's q, but never with an import unseen
    ]

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.initial_path = path or ""
        self.preview: ImportPreview | None = None
        self.mapping: Mapping | None = None
        self.date_order: str | None = None  # asked for when a date column reads both ways
        self.mode = "skip"
        self.stop_requested = False
        self.running = False

    @property
    def service(self) -> ImportService:
        return ImportService(self.crm.services.ctx)

    def compose(self) -> ComposeResult:
        yield Static(Content("Import customers"), id="import-title")
        with ContentSwitcher(initial="import-file", id="import-steps"):
            with Vertical(id="import-file"):
                yield Static(Content("File to import (CSV, XLSX or vCard), then enter:"))
                yield Input(
                    self.initial_path, placeholder="~/Downloads/contacts.csv", id="import-path"
                )
                yield Static("", id="import-file-error")
            with Vertical(id="import-review"):
                yield Static("", id="import-source")
                yield DataTable(id="import-mapping", cursor_type="row", zebra_stripes=True)
                yield FittedTable(PREVIEW_COLUMNS, id="import-preview", zebra_stripes=True)
                yield Static("", id="import-row-problems")
                with Horizontal(id="import-bar"):
                    yield Static("", id="import-mode")
            with Vertical(id="import-progress"):
                yield Static("", id="import-progress-label")
                yield ProgressBar(total=1.0, show_eta=False, id="import-bar-progress")
            with Vertical(id="import-summary"):
                yield Static("", id="import-summary-text")
        yield CrmFooter()

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()
        self.query_one("#import-mapping", DataTable).add_columns("Column in file", "Goes to")
        self._show_mode()
        if self.initial_path:
            self.load_preview(self.initial_path)

    # --- step 1: the file ----------------------------------------------------------

    @on(Input.Submitted, "#import-path")
    def path_entered(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.mapping = None
            self.date_order = None
            self.load_preview(event.value.strip())

    @work(
        thread=True,
        exclusive=True,
        group="import-preview",
        exit_on_error=False,
        description="Read and preview an import file",
    )
    def load_preview(self, raw_path: str) -> None:
        path = Path(raw_path).expanduser()
        preview = self.service.preview(
            path, mapping=self.mapping, on_duplicate=self.mode, date_order=self.date_order, limit=50
        )
        self.post_message(PreviewRead(preview))

    @on(Worker.StateChanged)
    def worker_done(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "import-preview":
            if event.state == WorkerState.ERROR:
                error = worker.error
                message = (
                    str(error)
                    if isinstance(error, CrmError)
                    else f"The file cannot be read: {error}"
                )
                self.query_one("#import-file-error", Static).update(cell(message))
                self.query_one(ContentSwitcher).current = "import-file"
        elif worker.group == "import-run" and event.state in DONE:
            # Only when it is over: running went False on RUNNING, and escape then closed
            # the screen with the import still going, unseen.
            self.running = False
            if event.state == WorkerState.ERROR:
                self.query_one(ContentSwitcher).current = "import-review"

    def action_template(self) -> None:
        if not self.running:
            self.write_template()

    @work(thread=True, exclusive=True, group="import-template", exit_on_error=False)
    def write_template(self) -> None:
        from crm_tui.services.imports.template import write_template

        number, target = 1, Path.cwd() / "crm-import-template.csv"
        while target.exists():
            number += 1
            target = Path.cwd() / f"crm-import-template-{number}.csv"
        try:
            write_template(target, "csv")
        except CrmError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._template_written, target)

    def _template_written(self, target: Path) -> None:
        self.notify(f"Wrote {target}: replace the example row, then import it.", markup=False)
        self.query_one("#import-path", Input).value = str(target)
        self.mapping, self.date_order = None, None
        self.load_preview(str(target))

    # --- step 2: mapping and preview -------------------------------------------------

    @on(PreviewRead)
    def preview_read(self, event: PreviewRead) -> None:
        self.show_preview(event.preview)

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.mapping = preview.mapping
        self.query_one("#import-file-error", Static).update("")
        notes = "  ".join(preview.notes)
        self.query_one("#import-source", Static).update(
            cell(
                f"{preview.path.name}: {preview.product}, {preview.kind.upper()}, {preview.encoding}. {notes}"
            )
        )
        mapping = self.query_one("#import-mapping", DataTable)
        row = mapping.cursor_row
        mapping.clear()
        for column in preview.mapping.columns:
            target = Text(TARGETS[column.target], style="" if column.target else "dim")
            mapping.add_row(cell(column.header), target, key=str(column.index))
        if mapping.row_count:
            mapping.move_cursor(row=min(row, mapping.row_count - 1))
        self.query_one("#import-preview", FittedTable).set_rows(preview_rows(preview))
        switcher = self.query_one(ContentSwitcher)
        if switcher.current != "import-review":
            switcher.current = "import-review"
            mapping.focus()
        if preview.date_question is not None and self.date_order is None:
            self.ask_date_order()

    def ask_date_order(self) -> None:
        """Ask how the file writes dates like 03/04/1985; the preview reloads with the answer."""
        if self.preview is None or self.preview.date_question is None:
            return
        question = self.preview.date_question
        choices = [("dmy", "Day first (03/04 is 3 April)"), ("mdy", "Month first (03/04 is March 4)"),
                   ("ymd", "Year first (85/04/03)")]  # fmt: skip

        def chosen(order: str | None) -> None:
            if order is not None and self.preview is not None:
                self.date_order = order
                self.load_preview(str(self.preview.path))

        title = f"{question.message}. Which is it?"
        self.app.push_screen(ChoiceModal(title, choices), callback=chosen)

    @on(FittedTable.RowHighlighted, "#import-preview")
    def row_problems(self, event: FittedTable.RowHighlighted) -> None:
        if self.preview is None or event.cursor_row >= len(self.preview.rows):
            return
        item = self.preview.rows[event.cursor_row]
        lines = list(item.problems) + [f"Note: {w}" for w in item.warnings]
        self.query_one("#import-row-problems", Static).update(
            cell(" ".join(lines) or "No problems.")
        )

    @on(DataTable.RowSelected, "#import-mapping")
    def change_target(self, event: DataTable.RowSelected) -> None:
        if self.mapping is None:
            return
        index = int(str(event.row_key.value))
        header = self.mapping.columns[index].header
        choices = [(key or "ignore", label) for key, label in TARGETS.items()]

        def chosen(target: str | None) -> None:
            if target is None or self.mapping is None or self.preview is None:
                return
            self.mapping = self.mapping.with_target(index, "" if target == "ignore" else target)
            self.load_preview(str(self.preview.path))

        self.app.push_screen(ChoiceModal(f"Send column {header!r} to", choices), callback=chosen)

    def action_cycle_mode(self) -> None:
        if self.running:
            return
        self.mode = DUPLICATE_MODES[(DUPLICATE_MODES.index(self.mode) + 1) % len(DUPLICATE_MODES)]
        self._show_mode()
        if self.preview is not None:
            self.load_preview(str(self.preview.path))

    def _show_mode(self) -> None:
        explain = {
            "skip": "rows already on file (same e-mail, then phone) are skipped",
            "update": "rows already on file update that customer",
            "create": "rows are created even when the phone is on file",
        }[self.mode]
        self.query_one("#import-mode", Static).update(
            Text.assemble(
                ("Duplicates: ", "bold"), (self.mode, "reverse"), f"  {explain}  (m to change)"
            )
        )

    # --- steps 3 and 4: progress and summary ------------------------------------------

    def action_dry_run(self) -> None:
        self._start(dry_run=True)

    def action_start(self) -> None:
        self._start(dry_run=False)

    def _start(self, *, dry_run: bool) -> None:
        if self.preview is None or self.mapping is None or self.running:
            return
        if not dry_run and self.crm.refuse_if_read_only():
            return
        if self.preview.date_question is not None and self.date_order is None:
            self.ask_date_order()
            return
        self.running = True
        self.stop_requested = False
        self.query_one("#import-progress-label", Static).update("Starting…")
        self.query_one(ProgressBar).update(progress=0)
        self.query_one(ContentSwitcher).current = "import-progress"
        self.run_import(self.preview.path, self.mapping, self.mode, dry_run)

    @work(
        thread=True,
        exclusive=True,
        group="import-run",
        exit_on_error=False,
        description="Import customers",
    )
    def run_import(self, path: Path, mapping: Mapping, mode: str, dry_run: bool) -> None:
        worker = get_current_worker()

        def report(update: ImportProgress) -> None:
            s = update.summary
            label = (f"{s.rows:,} rows: {s.created:,} new, {s.updated:,} updated, {s.skipped:,} skipped, "
                     f"{s.refused:,} refused  (escape to stop)")  # fmt: skip
            self.post_message(Progressed(update.fraction, label))

        summary = self.service.run(
            path, mapping=mapping, on_duplicate=mode, dry_run=dry_run, progress=report,
            date_order=self.date_order,
            cancelled=lambda: self.stop_requested or worker.is_cancelled,
            accept_stray_quotes=self._ask_about_stray_quote,
        )  # fmt: skip
        self.post_message(Imported(summary))

    def _ask_about_stray_quote(self, line: int, reason: str) -> bool:
        """From the import's worker: ask the clerk, and wait for the answer."""
        answered = threading.Event()
        answer = [False]

        def got(value: bool | None) -> None:
            answer[0] = bool(value)
            answered.set()

        self.post_message(StrayQuoteFound(line, reason, got))
        worker = get_current_worker()
        while not answered.wait(0.1):
            if worker.is_cancelled:
                return False
        return answer[0]

    @on(StrayQuoteFound)
    def ask_about_stray_quote(self, event: StrayQuoteFound) -> None:
        line = event.line
        question = (f"{event.reason}\n\nImport the rows after line {line:,} anyway? "
                    f"Line {line:,} itself is refused either way.")  # fmt: skip
        self.app.push_screen(
            ConfirmationModal(question, title="A quote does not close", confirm="Import the rest",
                              cancel="Stop here"),
            event.answer,
        )  # fmt: skip

    @on(Progressed)
    def _progress(self, event: Progressed) -> None:
        fraction, label = event.fraction, event.label
        self.query_one(ProgressBar).update(progress=fraction)
        self.query_one("#import-progress-label", Static).update(cell(label))

    @on(Imported)
    def imported(self, event: Imported) -> None:
        self.show_summary(event.summary)

    def show_summary(self, summary: ImportSummary) -> None:
        self.query_one("#import-summary-text", Static).update(summary_text(summary))
        self.query_one(ContentSwitcher).current = "import-summary"
        if not summary.dry_run:
            self.notify(
                f"Imported: {summary.created:,} new, {summary.updated:,} updated.", markup=False
            )

    def action_back(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if self.running:
            self.ask_to_stop()
            return
        if switcher.current == "import-summary":
            switcher.current = "import-review"
        elif switcher.current == "import-review":
            switcher.current = "import-file"
            self.query_one("#import-path", Input).focus()
        else:
            self.dismiss()

    def ask_to_stop(self) -> None:
        """Escape (or q) while importing: the import is never left running unseen. Asked
        first; a stop comes after the batch in hand, and the summary says what was saved."""
        if self.stop_requested:
            return
        question = ("Stop the import after the batch in hand? What is saved stays saved; "
                    f"importing the file again with duplicates set to {resume_mode(self.mode)} "
                    "finishes it.")  # fmt: skip
        self.app.push_screen(
            ConfirmationModal(question, title="Stop the import?", confirm="Stop",
                              cancel="Go on"), self._stop_answered)  # fmt: skip

    def _stop_answered(self, stop: bool | None) -> None:
        if stop and self.running:
            self.stop_requested = True
            self.query_one("#import-progress-label", Static).update(
                Content("Stopping after the batch in hand…")
            )

    def action_quit_asking(self) -> None:
        """q quits the app, except while importing: then it asks to stop, like escape."""
        if self.running:
            self.ask_to_stop()
        else:
            self.app.exit()
