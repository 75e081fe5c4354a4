"""Notes tab: the activity timeline, pinned first, overdue follow-ups highlighted."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.models.enums import NoteType
from crm_tui.services.customers.notes import NoteRead, is_overdue
from crm_tui.text import literal
from crm_tui.ui.clock import today
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.widgets.detail.base import (
    DetailTab,
    day,
    local_time,
)
from crm_tui.ui.widgets.detail.forms import note_form
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row, plain_cell
from crm_tui.ui.widgets.tables import selected_id
from crm_tui.wording import counted

FILTERS = ["", *(t.value for t in NoteType)]


# When, follow-up dates and who sees it never narrow; the title and author do.
COLUMNS = [
    Column("", min_width=1), Column("When"), Column("Type"), Column("Title", flex=True),
    Column("Follow-up"), Column("Visible to"), Column("By", flex=True, min_width=6),
]  # fmt: skip


class NotesTab(DetailTab[list[NoteRead]]):
    """Notes, calls, e-mails, meetings and tasks; `p` pins, `f` filters by type."""

    KIND = "note"

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.type_filter = ""
        self.notes: dict[int, NoteRead] = {}

    def forget(self) -> None:
        self.type_filter = ""
        self.notes = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="notes-note", classes="tab-note")
        yield FittedTable(COLUMNS, id="notes-table", zebra_stripes=True)
        yield Static("", id="note-body")

    def fetch(self) -> list[NoteRead]:
        return self.services.notes.list(self.customer_id, note_type=self.type_filter or None)

    def show(self, data: list[NoteRead]) -> None:
        rows: list[Row] = []
        self.notes = {n.id: n for n in data if n.id is not None}
        now = today()
        overdue_style = self.error_style()
        accent = self.accent_style()
        overdue = 0
        for n in data:
            late = is_overdue(n, now)
            overdue += late
            follow = day(n.follow_up_on)
            if n.follow_up_on and n.done:
                follow += " done"
            elif late:
                follow += " OVERDUE"
            rows.append((str(n.id), [
                plain_cell("⚑" if n.pinned else "", "bold"),
                plain_cell(day(n.created_at)),
                plain_cell(n.type),
                plain_cell(n.title, "bold" if n.pinned else ""),
                plain_cell(follow, overdue_style if late else ""),
                plain_cell(
                    "customer" if n.visibility == "customer" else "internal",
                    accent if n.visibility == "customer" else "dim",
                ),
                plain_cell(n.author),
            ]))  # fmt: skip
        self.query_one("#notes-table", FittedTable).set_rows(rows)
        shown = self.type_filter or "all types"
        summary = Text.assemble(
            (counted(len(data), "entry"), "bold"),
            ("  ·  showing: ", "dim"),
            (shown, "bold"),
            ("  (f changes)  ·  p pins", "dim"),
        )
        if overdue:
            summary.append(f"  ·  {overdue} overdue", style=overdue_style)
        self.query_one("#notes-note", Static).update(summary)
        self._show_body()

    @on(FittedTable.RowHighlighted, "#notes-table")
    def _highlighted(self) -> None:
        self._show_body()

    def _show_body(self) -> None:
        note = self._selected()
        body = self.query_one("#note-body", Static)
        if note is None:
            body.update(Text("No notes yet: n adds one." if not self.notes else "", style="dim"))
            return
        text = Text()
        text.append(literal(note.title), style="bold")
        text.append(
            f"  {note.type} by {literal(note.author) or 'unknown'}, {local_time(note.created_at)}",
            style="dim",
        )
        if note.summary:  # a call's or meeting's length and outcome
            text.append(f"  ·  {note.summary}", style="bold")
        text.append("\n")
        text.append(literal(note.body, multiline=True) or "(no text)")
        body.update(text)

    # --- keys -------------------------------------------------------------------

    def _selected(self) -> NoteRead | None:
        row_id = selected_id(self.query_one("#notes-table", FittedTable))
        return self.notes.get(row_id) if row_id is not None else None

    def cycle_filter(self) -> None:
        index = FILTERS.index(self.type_filter)
        self.type_filter = FILTERS[(index + 1) % len(FILTERS)]
        self.load()

    def add_item(self) -> None:
        self.app.push_screen(
            note_form(self.services, self.customer_id, None), callback=self.form_closed
        )

    def edit_item(self) -> None:
        note = self._selected()
        if note is None:
            self.nothing_selected()
            return
        self.app.push_screen(
            note_form(self.services, self.customer_id, note), callback=self.form_closed
        )

    @on(FittedTable.RowSelected, "#notes-table")
    def _selected_row(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        if not self.crm.refuse_if_read_only():
            self.edit_item()

    def toggle_pin(self) -> None:
        note = self._selected()
        if note is None or note.id is None:
            self.nothing_selected()
            return
        note_id = note.id
        done = "Unpinned." if note.pinned else "Pinned to the top."
        self.run_write(lambda: self.services.notes.toggle_pin(note_id), done)

    def remove_item(self) -> None:
        note = self._selected()
        if note is None or note.id is None:
            self.nothing_selected()
            return
        note_id = note.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(lambda: self.services.notes.remove(note_id), "Note removed.")

        self.app.push_screen(
            ConfirmationModal(
                Text(f"Remove the {note.type} “{literal(note.title)}”?"),
                confirm="Remove",
                danger=True,
            ),
            callback=answered,
        )
