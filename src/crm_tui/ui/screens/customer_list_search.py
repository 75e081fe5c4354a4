"""Searching for the customer list: the base of CustomerListScreen that owns the workers.

Every keystroke starts a search in an exclusive thread worker; results carry
the request they answer and are dropped unless it is still the current one,
so a slow old search never paints over a newer one. The first page comes
first; the match count and the KPI bar follow from their own workers once
the rows are painted, so neither delays them. Further pages are fetched by
keyset as the cursor nears the end of the window. The screen
(ui/screens/customer_list.py) paints what comes back.

Other clerks' commits (`customers_changed`) reload the window only when they
can change it: a changed customer is in the window, or one of them now
matches and sorts into it (one query on the changed ids, in a worker);
anything else can only change the count and the KPIs, which are read again
a little later, at most once per LAZY_COUNT_S.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.services.live import Changed
from crm_tui.services.search import Cursor, Kpis, Page, SearchFilters, SortSpec, limits
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from crm_tui.ui.widgets.list.kpi_bar import KpiBar
from crm_tui.ui.widgets.list.search_bar import SearchBar

MAX_WINDOW = 1_000  # rows a refresh in place reloads at most (the service's page limit)
LAZY_COUNT_S = 2.0  # a change outside the window: the count and KPIs follow this late


@dataclass(frozen=True)
class ListRequest:
    """One search of the list; results answer exactly one request."""

    generation: int
    query: str
    filters: SearchFilters
    sort: SortSpec
    keep_id: int | None = None  # refresh in place: keep the cursor on this customer
    origin: int = 0  # ... from this page of the window on
    after: Cursor | None = None  # ... which starts after this keyset cursor
    limit: int = 50


class ListSearchScreen(CrmScreen[None]):
    """The search half of the customer list: requests, their workers and their answers."""

    PAGE_SIZE: ClassVar[int] = limits.LIST_PAGE

    @dataclass
    class RowsLoaded(Message):
        """The first page of a search."""

        request: ListRequest
        page: Page

    @dataclass
    class CountLoaded(Message):
        """How many customers match (exact, or at least `count`)."""

        request: ListRequest
        count: int
        exact: bool

    @dataclass
    class PageLoaded(Message):
        """A neighbouring page for the table's window."""

        request: ListRequest
        index: int
        page: Page

    @dataclass
    class KpisLoaded(Message):
        """Figures for the KPI bar."""

        request: ListRequest
        kpis: Kpis

    @dataclass
    class ChangesPlaced(Message):
        """Whether changed customers outside the window now belong in it."""

        request: ListRequest
        placed: bool

    def __init__(self) -> None:
        super().__init__()
        self.filters = SearchFilters()
        self.sort = SortSpec()
        self.request = ListRequest(0, "", self.filters, self.sort)
        self.match_count: tuple[int, bool] | None = None
        self._kpis_for: ListRequest | None = None
        self._rows_for: ListRequest | None = None
        self._unchecked: Changed | None = None  # changes not yet weighed against the window
        self._checking = False
        self._recount: Timer | None = None

    @property
    def table(self) -> CustomerTable:
        return self.query_one(CustomerTable)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    @property
    def showing_newest(self) -> bool:
        """The rows on screen answer the newest request (no search is still on its way)."""
        return self._rows_for == self.request

    # --- searching -------------------------------------------------------------------

    def start_search(self) -> None:
        """Search for the current query, filters and sort from the top; newer calls win."""
        self._search(
            ListRequest(
                self.request.generation + 1,
                self.search_bar.value,
                self.filters,
                self.sort,
                limit=self.PAGE_SIZE,
            )
        )

    def refresh_in_place(self) -> None:
        """Reload the rows on screen (after an edit or bulk change), keeping the cursor."""
        origin, after, size = self.table.window_origin()
        request = self.request
        self._search(
            ListRequest(
                request.generation + 1,
                request.query,
                request.filters,
                request.sort,
                keep_id=self.table.current_id,
                origin=origin,
                after=after,
                limit=min(max(size, self.PAGE_SIZE), MAX_WINDOW),
            )
        )

    def _search(self, request: ListRequest) -> None:
        self._unchecked = None  # this search reads every change notified so far
        self.request = request
        self.match_count = None
        self.search_bar.set_count("…")
        self.query_one(KpiBar).show_pending()
        self.fetch_first_page(self.request)

    @work(
        thread=True,
        exclusive=True,
        group="search",
        exit_on_error=False,
        description="Search: the first page of customers",
    )
    def fetch_first_page(self, request: ListRequest) -> None:
        worker = get_current_worker()
        page = self._quick_page(request)
        if page is None:
            page = self.crm.services.search.search(
                request.query,
                request.filters,
                request.sort,
                after=request.after,
                limit=request.limit,
            )
        if not worker.is_cancelled:
            self.post_message(self.RowsLoaded(request, page))

    def _quick_page(self, request: ListRequest) -> Page | None:
        """While a quick start's services are still opening: the first page of a search
        with default filters and sort, on the lean read path (None: wait for them)."""
        quick = self.crm.quick_start
        plain = request.filters == SearchFilters() and request.sort == SortSpec()
        if quick is None or not plain or request.after is not None:
            return None
        return quick.page(request.query, request.limit)

    @work(
        thread=True,
        exclusive=True,
        group="count",
        exit_on_error=False,
        description="Search: count the matches",
    )
    def fetch_count(self, request: ListRequest) -> None:
        count, exact = self.crm.services.search.count(request.query, request.filters)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CountLoaded(request, count, exact))

    @work(
        thread=True,
        exclusive=True,
        group="page",
        exit_on_error=False,
        description="Search: the next page of customers",
    )
    def fetch_page(self, request: ListRequest, index: int, after: Cursor | None) -> None:
        search = self.crm.services.search
        page = search.search(
            request.query, request.filters, request.sort, after=after, limit=self.PAGE_SIZE
        )
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(request, index, page))

    def want_kpis(self) -> None:
        """KPIs for the current request, one computation at a time.

        List-wide figures cost up to a second at a million customers and a
        thread cannot be interrupted, so fast typing must not pile them up:
        while one runs, later requests wait and only the newest is computed.
        """
        if self._kpis_for is None:
            self._kpis_for = self.request
            self.fetch_kpis(self.request)

    @work(
        thread=True,
        group="kpis",
        exit_on_error=False,
        description="Search: the KPI figures of the matches",
    )
    def fetch_kpis(self, request: ListRequest) -> None:
        kpis = self.crm.services.search.kpis(request.query, request.filters)
        self.post_message(self.KpisLoaded(request, kpis))

    @on(Worker.StateChanged)
    def kpis_finished(self, event: Worker.StateChanged) -> None:
        """Not stopped: the app's one failure handler also sees this event."""
        if event.worker.group == "page" and event.state == WorkerState.ERROR:
            self.table.forget_pending()  # let the window ask again
        if event.worker.group == "live" and event.state == WorkerState.ERROR:
            self._checking = False  # the app shows the failure; read the window to be safe
            self.window_changed()
        if event.worker.group != "kpis" or not event.worker.is_finished:
            return
        done, self._kpis_for = self._kpis_for, None
        if done != self.request and self._rows_for == self.request:
            self.want_kpis()  # the figures for the newest rows, which arrived meanwhile

    def _rows_painted(self, request: ListRequest) -> None:
        if not self.crm.services_ready:  # a quick start: open them now, behind the rows;
            self.crm.load_services()  # the count and figures wait for `services_opened`
            return  # (not in worker threads: a few blocked ones would starve the pool)
        self.crm.started()
        if request == self.request:
            self.fetch_count(request)
            self.want_kpis()
            self._weigh_changes()

    def services_opened(self) -> None:
        if self.showing_newest:
            self._rows_painted(self.request)

    # --- other clerks' commits ---------------------------------------------------------

    def window_changed(self) -> None:
        """The rows of the window are out of date: read them again (the screen may wait)."""
        self.refresh_in_place()

    def customers_changed(self, changed: Changed) -> None:
        self._unchecked = changed if self._unchecked is None else self._unchecked | changed
        self._weigh_changes()

    def _weigh_changes(self) -> None:
        """Reload the window if the unchecked changes touch it; else count again later.
        While a search is on its way, its rows (maybe read before the commit) are awaited."""
        if self._unchecked is None or self._checking or not self.showing_newest:
            return
        changed, self._unchecked = self._unchecked, None
        rows = self.table.loaded_rows
        if changed.everything or any(row.id in changed.customer_ids for row in rows):
            self.window_changed()
            return
        near_misses = bool(rows) and all(row.near_miss for row in rows)
        window = None if near_misses else (self.table.window_origin()[1], self.table.window_end())
        self._checking = True
        self.check_placed(self.request, changed.customer_ids, window)

    @work(
        thread=True,
        group="live",
        exit_on_error=False,
        description="Live: whether changed customers belong in the window",
    )
    def check_placed(
        self,
        request: ListRequest,
        ids: frozenset[int],
        window: tuple[Cursor | None, Cursor | None] | None,
    ) -> None:
        search = self.crm.services.search
        placed = search.placed(ids, request.query, request.filters, request.sort, window)
        self.post_message(self.ChangesPlaced(request, placed))

    @on(ChangesPlaced)
    def changes_placed(self, event: ChangesPlaced) -> None:
        self._checking = False
        if event.request == self.request:  # else a newer search, begun after the commit
            if event.placed:
                self.window_changed()
            elif self._recount is None:
                self._recount = self.set_timer(LAZY_COUNT_S, self._count_again)
        self._weigh_changes()

    def _count_again(self) -> None:
        self._recount = None
        if self.showing_newest:
            self.fetch_count(self.request)
            self.want_kpis()

    @on(CustomerTable.PageWanted)
    def want_page(self, event: CustomerTable.PageWanted) -> None:
        self.fetch_page(self.request, event.index, event.after)
