"""History tab: the change log, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from crm_tui.services.history import HistoryEntry
from crm_tui.ui.widgets.detail.base import DetailTab, cell, local_time
from crm_tui.wording import counted

LIMIT = 500
ACTION_STYLES = {"create": "green", "delete": "red", "erase": "bold red", "merge": "magenta"}


class HistoryTab(DetailTab[list[HistoryEntry]]):
    """When, who, what, field, old and new value of every change to this customer."""

    KIND = "change"

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="history-note", classes="tab-note")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#history-table", DataTable).add_columns(
            "When", "Who", "What", "Field", "Old", "New"
        )

    def fetch(self) -> list[HistoryEntry]:
        return self.services.history.for_customer(self.customer_id, limit=LIMIT)

    def show(self, data: list[HistoryEntry]) -> None:
        table: DataTable[Text] = self.query_one("#history-table", DataTable)
        table.clear()
        for index, entry in enumerate(data):
            what = f"{entry.subject or entry.entity} {entry.action}"
            table.add_row(
                cell(local_time(entry.changed_at)),
                cell(entry.who),
                cell(what, ACTION_STYLES.get(entry.action, "")),
                cell(entry.field_label),
                cell(entry.old_shown, "dim"),
                cell(entry.new_shown),
                key=str(index),
            )
        more = f" (the latest {LIMIT})" if len(data) >= LIMIT else ""
        note = (
            f"{counted(len(data), 'change')}, newest first{more}"
            if data
            else "No changes recorded yet."
        )
        self.query_one("#history-note", Static).update(Text(note, style="dim"))
