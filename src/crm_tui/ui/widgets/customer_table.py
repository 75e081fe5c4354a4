"""The table of customers: one window of search results, marks, literal cells."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

MARK = "●"


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


class CustomerTable(DataTable[Text]):
    """Customers as rows keyed by id. Every cell is a `Text`, so stored text
    such as `[bold]x[/]` is shown as typed, never parsed as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
    ]

    @dataclass
    class CustomerSelected(Message):
        """Enter on a row: open this customer."""

        customer_id: int

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.marked: set[int] = set()
        self.row_ids: list[int] = []

    def on_mount(self) -> None:
        self.add_column(Text(" "), key="mark", width=1)
        self.add_column(Text("Number"), key="number", width=8)
        self.add_column(Text("Name"), key="name", width=24)
        self.add_column(Text("Status"), key="status", width=8)
        self.add_column(Text("E-mail / phone"), key="contact", width=22)
        self.add_column(Text("LTV", justify="right"), key="ltv", width=10)

    def show_rows(self, rows: Iterable[Any]) -> None:
        """Replace the rows with `rows` (CustomerRow objects)."""
        self.clear()
        self.row_ids = []
        self.append_rows(rows)

    def append_rows(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self.row_ids.append(row.id)
            self.add_row(*self._cells(row), key=str(row.id))

    def _cells(self, row: Any) -> list[Text]:
        contact = row.email or row.phone or ""
        return [
            Text(MARK if row.id in self.marked else " "),
            Text(row.number),
            Text(row.display_name),
            Text(row.status),
            Text(contact),
            Text(money(row.lifetime_value), justify="right"),
        ]

    @property
    def current_id(self) -> int | None:
        if not self.row_ids or not 0 <= self.cursor_row < len(self.row_ids):
            return None
        return self.row_ids[self.cursor_row]

    def action_open(self) -> None:
        customer_id = self.current_id
        if customer_id is not None:
            self.post_message(self.CustomerSelected(customer_id))
