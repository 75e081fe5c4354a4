"""What every table of ids (a DataTable or a FittedTable) shares: the highlighted row's id,
keeping it over a reload, and amounts in a right-aligned cell.

Row keys are the ids of what the rows show (str(id)), so a reload can put the
cursor back on the same customer, tag or group.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from crm_tui.ui.widgets.fitted_table import FittedTable


def selected_id(table: DataTable[Any] | FittedTable) -> int | None:
    """The id behind the table's highlighted row (row keys are ids), if any."""
    if table.row_count == 0:
        return None
    if isinstance(table, FittedTable):
        key = table.cursor_key
    else:
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    try:
        return int(str(key))
    except ValueError:
        return None


def restore_cursor(table: DataTable[Any] | FittedTable, row_id: int | None) -> None:
    """Put the cursor back on the row that was selected before a reload."""
    if row_id is None:
        return
    try:
        table.move_cursor(row=table.get_row_index(str(row_id)), animate=False)
    except Exception:  # the row went away (removed by us or another clerk)
        return


def amount(value: object) -> Text:
    """A money figure with thousands separators and two decimals, right-aligned."""
    return Text(f"{value:,.2f}", justify="right")
