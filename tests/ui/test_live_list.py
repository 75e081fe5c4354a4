"""The list under other clerks' commits: it reloads its window only when a change can
alter what it shows, and does so within a second; other changes only move the count.

Both engines: a second Services on the same database stands for another clerk
(PostgreSQL: LISTEN/NOTIFY; SQLite: PRAGMA data_version polling).
"""

from __future__ import annotations

import asyncio

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate, NoteCreate
from crm_tui.services.live import Changed
from crm_tui.services.registry import open_services
from crm_tui.services.search import SearchFilters, SortSpec
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.customer_list_search import LAZY_COUNT_S
from tests.ui.conftest import settle
from tests.ui.test_live_screens import SIZE, WITHIN_S, appears

CUSTOMERS = 120  # the first page shows 50 of them, by last name


def person(last: str) -> CustomerCreate:
    return CustomerCreate(kind="individual", first_name="Pat", last_name=last)


async def test_list_reloads_only_for_changes_that_reach_its_window(settings: Settings) -> None:
    svc, other = open_services(settings), open_services(settings)
    ids = [svc.customers.create(person(f"L{i:03d}")).id for i in range(CUSTOMERS)]
    try:
        app = CrmApp(svc)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CustomerListScreen)
            shown = {row.id for row in screen.table.loaded_rows}
            assert len(shown) < CUSTOMERS and ids[0] in shown and ids[110] not in shown
            heard: list[Changed] = []
            weigh = screen.customers_changed

            def spy(changed: Changed) -> None:
                heard.append(changed)
                weigh(changed)

            screen.customers_changed = spy  # type: ignore[method-assign]

            def names() -> list[str]:
                return [row.display_name for row in screen.table.loaded_rows]

            async def heard_of(cid: int) -> None:
                await appears(pilot, lambda: any(c.touches(cid) for c in heard))
                await asyncio.sleep(0.5)  # time for a reload, were one started
                await settle(pilot)

            # Unrelated: a note on, and a rename of, customers below the window.
            loads = screen.request.generation
            other.notes.add(ids[110], NoteCreate(title="Called"))
            await heard_of(ids[110])
            other.customers.update(ids[111], CustomerUpdate(last_name="L111b"), expected_version=1)
            await heard_of(ids[111])
            assert screen.request.generation == loads, "an unrelated change reloaded the window"

            # A new customer sorting below the window: no reload, the count follows lazily.
            assert screen.match_count == (CUSTOMERS, True)
            late = other.customers.create(person("L999")).id
            await heard_of(late)
            assert screen.request.generation == loads
            await appears(pilot, lambda: screen.match_count == (CUSTOMERS + 1, True),
                          limit=LAZY_COUNT_S + 3)  # fmt: skip
            assert screen.request.generation == loads

            # Relevant: a new customer sorting into the window, a changed row of the
            # window, a customer moved into the window by its new name.
            other.customers.create(person("A000"))
            took = await appears(pilot, lambda: "Pat A000" in names())
            assert took < WITHIN_S, took
            other.customers.update(ids[10], CustomerUpdate(last_name="L010b"), expected_version=1)
            took = await appears(pilot, lambda: "Pat L010b" in names())
            assert took < WITHIN_S, took
            other.customers.update(ids[115], CustomerUpdate(last_name="L005b"), expected_version=1)
            took = await appears(pilot, lambda: "Pat L005b" in names())
            assert took < WITHIN_S, took
            assert screen.request.generation > loads
    finally:
        svc.close()
        other.close()


def test_placed_weighs_the_keyset_window(settings: Settings) -> None:
    """The service's check: a matching customer between the window's first and last row
    (either direction) is placed; one outside it, or not matching, is not."""
    svc = open_services(settings)
    try:
        ids = [svc.customers.create(person(f"L{i:03d}")).id for i in range(30)]
        for n, cid in enumerate(ids[:15]):  # half have bought (two on each day), half never
            paid = f"2025-0{1 + n // 2 % 9}-1{n % 2}"
            svc.billing.record_payment(cid, PaymentCreate(amount="5.00", paid_at=paid))
        search = svc.search
        sorts = [SortSpec(key, descending=down) for key in ("name", "joined", "last_purchase")
                 for down in (False, True)]  # fmt: skip
        for sort in sorts:  # last purchase: a window of dated customers then never-purchased
            first = search.search("", sort=sort, limit=10)
            second = search.search("", sort=sort, after=first.next, limit=10)
            window = (first.next, second.next)
            inside = {r.id for r in second.rows}
            outside = set(ids) - inside
            assert all(search.placed([i], "", SearchFilters(), sort, window) for i in inside)
            assert not search.placed(outside, "", SearchFilters(), sort, window), sort
            assert search.placed(outside, "", SearchFilters(), sort, (second.next, None))
        # Relevance with words: any match counts; a non-matching customer does not.
        assert search.placed([ids[3]], "L003", SearchFilters(), SortSpec(), (None, None))
        assert not search.placed([ids[4]], "L003", SearchFilters(), SortSpec(), (None, None))
    finally:
        svc.close()
