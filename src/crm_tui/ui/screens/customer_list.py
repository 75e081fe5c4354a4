"""The customer list: live search over a window of rows, filters, sort, KPIs, bulk actions.

The search itself (requests, workers, stale answers dropped) is the base
class in ui/screens/customer_list_search.py; this screen paints the answers
and owns the keys: opening, filters and sort, marks and bulk actions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from crm_tui.services.bulk.selection import Selection
from crm_tui.services.live import Changed
from crm_tui.services.search import SearchFilters, SortSpec
from crm_tui.ui.flows.go_to import GO_TO, go_to
from crm_tui.ui.flows.groups import open_dashboard
from crm_tui.ui.flows.tools import open_import, open_overdue
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.screens.customer_list_search import ListRequest, ListSearchScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from crm_tui.ui.widgets.list.filter_bar import FilterBar, sort_label, sort_options, without
from crm_tui.ui.widgets.list.kpi_bar import KpiBar
from crm_tui.ui.widgets.list.marks import Marks, matching_scope
from crm_tui.ui.widgets.list.search_bar import SearchBar
from crm_tui.ui.widgets.list.table_cells import FIGURE_OF_SORT

if TYPE_CHECKING:  # dialogs and flows are imported when first opened
    from crm_tui.ui.modals.filters import AppliedFilters

# Actions bound to plain letters: they cannot fire while the search input has
# focus (it takes the letter), so the footer hides them there.
TABLE_ACTIONS = frozenset(
    {
        "filters",
        "sort",
        "mark",
        "mark_all",
        "bulk",
        "export",
        "new_customer",
        "quick_add",
        "edit",
        "import_customers",
        "dashboard",
        "go_to",
        "mine",
    }
)


class CustomerListScreen(ListSearchScreen):
    """Where support staff live: find a customer in a keystroke or two."""

    CSS_PATH: ClassVar = [str(stylesheet("customer_list.tcss"))]
    # Hidden (and off) in read-only mode; export and marks only read.
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"bulk", "new_customer", "quick_add", "edit", "import_customers"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer must fit 80 columns: the rarer keys are in the help panel (?).
        Binding("slash", "focus_search", "Search", key_display="/", show=False),
        Binding("f", "filters", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("space", "mark", "Mark", key_display="␣"),
        Binding("asterisk", "mark_all", "Mark all matches", key_display="*", show=False),
        Binding("b", "bulk", "Bulk"),
        Binding("x", "export", "Export"),
        Binding("n", "new_customer", "New"),
        Binding("a", "quick_add", "Add"),
        Binding("m", "mine", "Mine", show=False),  # listed by ? (the footer is full at 80)
        Binding("e", "edit", "Edit", show=False),
        Binding("i", "import_customers", "Import", show=False),
        Binding("d", "dashboard", "Dashboard", show=False),
        Binding("o", "overdue", "Overdue", show=False),
        Binding("g", "go_to", "Go to…", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("escape", "clear_marks_and_filters", "Clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[tuple[str, int], str] = {}
        self.marks = Marks()
        self._stale = False
        self._open_when_shown: ListRequest | None = None  # Enter came before the rows

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search-bar")
        yield FilterBar(id="filter-bar")
        yield CustomerTable(id="customer-table")
        yield Static("", id="empty-hint", markup=False)
        yield KpiBar(id="kpi-bar")
        yield CrmFooter(show_command_palette=False)

    async def on_mount(self) -> None:
        self.table.is_marked = self.marks.is_marked
        self.table.currency = self.crm.reporting_currency
        await self.query_one(FilterBar).show(self.filters)
        self.search_bar.input.focus()
        self.start_search()

    def on_screen_resume(self) -> None:
        if self._stale:  # back from a detail, wizard or dialog that may have changed rows
            self._stale = False
            self.refresh_in_place()

    def customers_changed(self, changed: Changed) -> None:
        if not self._stale:  # else the window is read afresh when this screen is back
            super().customers_changed(changed)

    def window_changed(self) -> None:
        """A commit changed a row of the window or what belongs in it: read the window
        again now, or (under another screen) when this one is back."""
        if self.app.screen is self:
            self.refresh_in_place()
        else:
            self._stale = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False
        return not (isinstance(self.focused, Input) and action in TABLE_ACTIONS)

    @on(SearchBar.QueryChanged)
    def query_changed(self) -> None:
        self._open_when_shown = None
        self._drop_all_matches_mark()
        self.start_search()

    @on(ListSearchScreen.RowsLoaded)
    def show_rows(self, event: ListSearchScreen.RowsLoaded) -> None:
        if event.request != self.request:
            return  # a newer search is on its way; never paint stale results
        page = event.page
        self._rows_for = event.request
        request = event.request
        self.table.reset(
            page.rows, page.next, page.has_more, origin=request.origin, keep_id=request.keep_id
        )
        if page.near_misses:
            self.search_bar.set_count("no match · near misses")
        self._show_empty_hint(not page.rows)
        if self._open_when_shown == request:
            self._open_when_shown = None
            self._open(self.table.current_id)
        # The count and the KPIs start once the rows are painted: their threads
        # would otherwise take the GIL from the paint.
        self.call_after_refresh(self.call_later, self._rows_painted, request)

    @on(ListSearchScreen.CountLoaded)
    def show_count(self, event: ListSearchScreen.CountLoaded) -> None:
        if event.request != self.request:
            return
        self.match_count = (event.count, event.exact)
        if event.count == 0 and self.table.loaded_rows:
            return  # near misses are showing; keep their label
        plus = "" if event.exact else "+"
        noun = "match" if event.count == 1 and event.exact else "matches"
        self.search_bar.set_count(f"{event.count:,}{plus} {noun}")
        self._show_state()

    @on(ListSearchScreen.PageLoaded)
    def add_page(self, event: ListSearchScreen.PageLoaded) -> None:
        if event.request == self.request:
            page = event.page
            self.table.add_page(event.index, page.rows, page.next, page.has_more)

    @on(ListSearchScreen.KpisLoaded)
    def show_kpis(self, event: ListSearchScreen.KpisLoaded) -> None:
        if event.request == self.request:
            self.query_one(KpiBar).show_kpis(event.kpis)

    # --- opening -------------------------------------------------------------------

    @on(SearchBar.Submitted)
    def open_from_search(self) -> None:
        """Enter in the search box: the highlighted row of the rows for this very query;
        typed before they came (a burst, or right after `crm`), the first of them."""
        if self.showing_newest:
            self._open(self.table.current_id)
        else:
            self._open_when_shown = self.request

    @on(CustomerTable.CustomerSelected)
    def open_selected(self, event: CustomerTable.CustomerSelected) -> None:
        self._open(event.customer_id)

    def _open(self, customer_id: int | None) -> None:
        if customer_id is not None:
            self._stale = True
            self.crm.open_customer(customer_id, self.table.current)

    def action_new_customer(self) -> None:
        self._stale = True
        self.crm.new_customer()

    def action_quick_add(self) -> None:
        self._stale = True
        self.crm.quick_add()

    def action_edit(self) -> None:
        customer_id = self.table.current_id
        if customer_id is not None:
            self._stale = True
            self.crm.edit_customer(customer_id)

    def action_import_customers(self) -> None:
        self._stale = True
        open_import(self.crm)

    def action_dashboard(self) -> None:
        open_dashboard(self.crm)

    def action_overdue(self) -> None:
        open_overdue(self.crm)

    def action_go_to(self) -> None:
        """`g`: pick any screen of the app (segments, tags, billing groups, merge...)."""
        self.app.push_screen(ChoiceModal("Go to", GO_TO), callback=self._go)

    def _go(self, where: str | None) -> None:
        if where is not None:
            go_to(self.crm, where)

    # --- focus ---------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.search_bar.input.focus()

    @on(SearchBar.ResultsWanted)
    def action_focus_table(self) -> None:
        self.table.focus()

    async def action_clear_marks_and_filters(self) -> None:
        """Esc on the list: drop the marks and the filters; the focus stays where it is."""
        cleared = []
        if self.marks:
            self.marks.clear()
            self.table.refresh_marks()
            self._show_state()
            cleared.append("marks")
        if self.filters != SearchFilters():
            await self._set_filters(SearchFilters())
            cleared.append("filters")
        if cleared:
            self.notify(f"Cleared the {' and the '.join(cleared)}.", markup=False, timeout=3)

    # --- filters and sort -------------------------------------------------------------

    def action_filters(self) -> None:
        from crm_tui.ui.modals.filters import FiltersModal

        self.app.push_screen(FiltersModal(self.filters, self.names), callback=self._filters_chosen)

    async def _filters_chosen(self, applied: AppliedFilters | None) -> None:
        if applied is not None:
            self.names.update(applied.names)
            await self._set_filters(applied.filters)

    @on(FilterBar.ChipRemoved)
    async def remove_chip(self, event: FilterBar.ChipRemoved) -> None:
        await self._set_filters(without(self.filters, event.field))
        chips = self.query(".chip")
        if chips:
            chips.first().focus()
        else:
            self.table.focus()

    async def _set_filters(self, filters: SearchFilters) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        self._drop_all_matches_mark()
        await self.query_one(FilterBar).show(filters, self.names)
        self.start_search()

    async def action_mine(self) -> None:
        """Only the customers this login owns; `m` again shows everyone's."""
        login = self.crm.permissions.login
        await self._set_filters(
            replace(self.filters, owner=None if self.filters.owner == login else login)
        )

    def action_sort(self) -> None:
        sorts = ChoiceModal("Sort by", sort_options(), current=self.sort)
        self.app.push_screen(sorts, callback=self._sort_chosen)

    def _sort_chosen(self, sort: SortSpec | None) -> None:
        if sort is not None and sort != self.sort:
            self.sort = sort
            self.table.show_figure(FIGURE_OF_SORT.get(sort.key, "ltv"))
            self.start_search()
            self._show_state()

    # --- marks -------------------------------------------------------------------

    def action_mark(self) -> None:
        customer_id = self.table.current_id
        if customer_id is None:
            return
        self.marks.toggle(customer_id)
        self.table.refresh_marks()
        self.table.action_cursor_down()
        self._show_state()

    def action_mark_all(self) -> None:
        """`*`: mark every match of the search (not just the loaded rows); again clears."""
        if self.marks:
            self.marks.clear()
        else:
            self.marks.mark_all(self.request.query, self.request.filters)
        self.table.refresh_marks()
        self._show_state()

    def _drop_all_matches_mark(self) -> None:
        if self.marks.forget_all_matches():
            self.table.refresh_marks()
            self.notify("The search changed, so the mark on all matches was cleared.")

    def _show_empty_hint(self, empty: bool) -> None:
        hint = self.query_one("#empty-hint", Static)
        hint.display = empty
        if empty:
            advice = "Try fewer or shorter words"
            if self.request.filters != SearchFilters():
                advice += ", or remove a filter (enter on a chip)"
            hint.update(Text(f"No customer matches. {advice}.", style="italic"))

    def _show_state(self) -> None:
        sort = self.sort
        if sort.key == "relevance" and not self.request.query.strip():
            sort = SortSpec("name")  # an empty query lists by name
        parts = [f"sort: {sort_label(sort)}"]
        count, exact = self.match_count if self.match_count else (None, True)
        marked = self.marks.describe(count, exact)
        if marked:
            parts.append(marked)
        self.query_one(FilterBar).set_state(" · ".join(parts))

    def _scope(self) -> str:
        return self.marks.scope(*(self.match_count or (None, True)))

    # --- bulk actions -------------------------------------------------------------------

    def action_bulk(self) -> None:
        if not self.marks:
            self.notify("Mark customers first: space marks a row, * marks every match.")
            return
        self._stale = True  # segment, group and merge flows change rows behind our back
        from crm_tui.ui.flows.bulk import BulkFlow

        BulkFlow(self.crm, self.marks.selection(), self._scope(), self._after_bulk).menu()

    def action_export(self) -> None:
        """`x`: export the marked customers, or every current match when none are marked."""
        if self.marks:
            selection, scope = self.marks.selection(), self._scope()
        else:
            selection = Selection(
                all_matches=True, query=self.request.query, filters=self.request.filters
            )
            count, exact = self.match_count or (0, True)
            scope = matching_scope(count, exact)
        from crm_tui.ui.flows.bulk import BulkFlow

        BulkFlow(self.crm, selection, scope, self._after_bulk).export()

    def _after_bulk(self) -> None:
        self.refresh_in_place()
