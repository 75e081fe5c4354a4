"""History tab: the change log, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.services.history import HistoryEntry
from crm_tui.text import literal
from crm_tui.ui.widgets.detail.base import DetailTab, local_time
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row, plain_cell
from crm_tui.wording import counted

LIMIT = 500
ACTION_STYLES = {"create": "green", "delete": "red", "erase": "bold red", "merge": "magenta"}


# At 80 columns six columns left a field's name a stub ("payment …"): the field and
# its old and new value read as one change ("status: draft → issued"). The time is
# never cut; the rest narrow with "…", the change least.
COLUMNS = [
    Column("When"), Column("Who", flex=True, min_width=6), Column("What", flex=True, min_width=14),
    Column("Change", flex=True, min_width=24),
]  # fmt: skip


def change_text(entry: HistoryEntry) -> Text:
    """ "status: draft → issued", "currency: EUR", or nothing for a row created or removed."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not entry.field:
        return text
    text.append(f"{entry.field_label}: ")
    if entry.old_shown:
        text.append(literal(entry.old_shown), style="dim")
        text.append(" → ")
    text.append(literal(entry.new_shown) if entry.new_shown is not None else "(none)")
    return text


class HistoryTab(DetailTab[list[HistoryEntry]]):
    """When, who, what, and the field changed from what to what, of every change."""

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
                plain_cell(local_time(entry.changed_at)),
                plain_cell(entry.who),
                plain_cell(what, ACTION_STYLES.get(entry.action, "")),
                change_text(entry),
            ]))  # fmt: skip
        self.query_one("#history-table", FittedTable).set_rows(rows)
        more = f" (the latest {LIMIT})" if len(data) >= LIMIT else ""
        note = (
            f"{counted(len(data), 'change')}, newest first{more}"
            if data
            else "No changes recorded yet."
        )
        self.query_one("#history-note", Static).update(Text(note, style="dim"))
