"""History tab: the change log, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.services.history import HistoryEntry
from crm_tui.ui.widgets.detail.base import DetailTab, cell, local_time
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row
from crm_tui.wording import counted

LIMIT = 500
ACTION_STYLES = {"create": "green", "delete": "red", "erase": "bold red", "merge": "magenta"}


# The time is never cut; the rest narrow with "…", the new value least (a date fits whole).
COLUMNS = [
    Column("When"), Column("Who", flex=True, min_width=6), Column("What", flex=True, min_width=14),
    Column("Field", flex=True, min_width=9), Column("Old", flex=True, min_width=8),
    Column("New", flex=True, min_width=16),
]  # fmt: skip


class HistoryTab(DetailTab[list[HistoryEntry]]):
    """When, who, what, field, old and new value of every change to this customer."""

    KIND = "change"

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="history-note", classes="tab-note")
        yield FittedTable(COLUMNS, id="history-table", zebra_stripes=True)

    def fetch(self) -> list[HistoryEntry]:
        return self.services.history.for_customer(self.customer_id, limit=LIMIT)

    def show(self, data: list[HistoryEntry]) -> None:
        rows: list[Row] = []
        for index, entry in enumerate(data):
            what = f"{entry.subject or entry.entity} {entry.action}"
            rows.append((str(index), [
                cell(local_time(entry.changed_at)),
                cell(entry.who),
                cell(what, ACTION_STYLES.get(entry.action, "")),
                cell(entry.field_label),
                cell(entry.old_shown, "dim"),
                cell(entry.new_shown),
            ]))  # fmt: skip
        self.query_one("#history-table", FittedTable).set_rows(rows)
        more = f" (the latest {LIMIT})" if len(data) >= LIMIT else ""
        note = (
            f"{counted(len(data), 'change')}, newest first{more}"
            if data
            else "No changes recorded yet."
        )
        self.query_one("#history-note", Static).update(Text(note, style="dim"))
