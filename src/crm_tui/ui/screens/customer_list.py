"""The customer list: live search over a window of rows, filters, sort, bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.customer_table import CustomerTable
from crm_tui.ui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


class CustomerListScreen(Screen[None]):
    """Where support staff live: find a customer in a keystroke or two."""

    CSS_PATH: ClassVar = [str(stylesheet("customer_list.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("n", "new_customer", "New"),
        Binding("a", "quick_add", "Quick add"),
        Binding("e", "edit_customer", "Edit"),
    ]

    @dataclass
    class RowsLoaded(Message):
        """A search finished in a worker."""

        query: str
        rows: list[Any]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""

    @property
    def crm(self) -> CrmApp:
        return cast("CrmApp", self.app)

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search-bar")
        yield CustomerTable(id="customer-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SearchBar).input.focus()
        self.run_search("")

    @on(SearchBar.QueryChanged)
    def query_changed(self, event: SearchBar.QueryChanged) -> None:
        self.query_text = event.query
        self.run_search(event.query)

    @on(SearchBar.Submitted)
    def open_from_search(self, event: SearchBar.Submitted) -> None:
        table = self.query_one(CustomerTable)
        if table.current_id is not None:
            self.crm.open_customer(table.current_id)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, query: str) -> None:
        search = getattr(self.crm.services, "search", None)
        rows: list[Any] = []
        if search is not None:
            rows = list(search.search(query).rows)
        if not get_current_worker().is_cancelled:
            self.post_message(self.RowsLoaded(query, rows))

    @on(RowsLoaded)
    def show_rows(self, event: RowsLoaded) -> None:
        if event.query != self.query_text:
            return  # a newer query is on its way; never paint stale results
        self.query_one(CustomerTable).show_rows(event.rows)
        self.query_one(SearchBar).set_count(f"{len(event.rows):,} shown")

    @on(CustomerTable.CustomerSelected)
    def open_customer(self, event: CustomerTable.CustomerSelected) -> None:
        self.crm.open_customer(event.customer_id)

    def action_focus_search(self) -> None:
        self.query_one(SearchBar).input.focus()

    def action_new_customer(self) -> None:
        self.crm.new_customer()

    def action_quick_add(self) -> None:
        self.crm.quick_add()

    def action_edit_customer(self) -> None:
        customer_id = self.query_one(CustomerTable).current_id
        if customer_id is not None:
            self.crm.edit_customer(customer_id)
