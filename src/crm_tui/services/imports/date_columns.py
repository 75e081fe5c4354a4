"""The order a file's date column is written in, read from the whole column.

A value whose first part is over 12 makes the column day-first, one whose
second part is over 12 month-first; where both kinds occur the more
common wins (the others are then reported as not dates of that order).
A column with only values that read both ways (03/04/1985) has no order
of its own: the import asks for one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from crm_tui.services.imports.dates import order_hint
from crm_tui.services.imports.formats import Source
from crm_tui.services.imports.mapping import Mapping

DATE_TARGETS = ("date_of_birth",)


@dataclass(frozen=True)
class ColumnOrder:
    """What the date columns say: an order, or an example of a value needing one."""

    order: str | None
    column: str = ""
    example: str = ""

    @property
    def needs_choice(self) -> bool:
        return self.order is None and bool(self.example)


def date_order(source: Source, mapping: Mapping) -> ColumnOrder:
    """Scan the date columns of every record (the file is read once more for this)."""
    columns = [c for c in mapping.columns if c.target in DATE_TARGETS]
    if not columns:
        return ColumnOrder(None)
    hints: Counter[str] = Counter()
    example: tuple[str, str] | None = None
    for record in source.records():
        for column in columns:
            if column.index >= len(record.cells):
                continue
            hint = order_hint(record.cells[column.index])
            if hint is not None:
                hints[hint] += 1
                if hint == "either" and example is None:
                    example = (column.header, record.cells[column.index].strip())
    if hints["dmy"] or hints["mdy"]:
        return ColumnOrder("dmy" if hints["dmy"] >= hints["mdy"] else "mdy")
    if example is not None:
        return ColumnOrder(None, *example)
    return ColumnOrder(None)
