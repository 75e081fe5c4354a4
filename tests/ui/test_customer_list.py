"""Pilot tests of the customer list on demo data (60 seeded customers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Select

from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services, open_services
from crm_tui.services.search import SortSpec
from crm_tui.ui.app import CrmApp
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.filters import FiltersModal
from crm_tui.ui.modals.progress import BulkProgressModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.customer_list_search import ListRequest
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from crm_tui.ui.widgets.list.kpi_bar import KpiBar
from crm_tui.ui.widgets.list.search_bar import SearchBar
from tests.ui.conftest import settle


@asynccontextmanager
async def running(
    services: Services, size: tuple[int, int] = (100, 30)
) -> AsyncIterator[tuple[Pilot[None], CustomerListScreen]]:
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerListScreen)
        yield pilot, screen


def top(pilot: Pilot[None]) -> Screen[Any]:
    """The screen on top (a function call, so each check reads it afresh)."""
    return pilot.app.screen


def focused(screen: Screen[Any]) -> Widget | None:
    return screen.focused


def names(screen: CustomerListScreen) -> list[str]:
    return [row.display_name for row in screen.query_one(CustomerTable).loaded_rows]


async def type_query(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)
    await settle(pilot)


async def test_list_shows_customers_and_count(demo_services: Services) -> None:
    """The app opens on the list with the first window of customers and the count."""
    async with running(demo_services) as (_pilot, screen):
        assert len(names(screen)) == 50  # one page, not the whole table
        assert screen.match_count == (60, True)
        assert "60 matches" in str(screen.query_one("#match-count").render())


async def test_typing_searches_as_you_type(demo_services: Services) -> None:
    """Each keystroke narrows the list to the right customers."""
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        assert names(screen) == ["Daniel Andrade"]
        assert "1 match" in str(screen.query_one("#match-count").render())
        assert str(screen.query_one(KpiBar).render()).startswith("1 customer ·")
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await settle(pilot)
        assert "Daniel Andrade" in names(screen) and len(names(screen)) > 1


async def test_stale_results_are_dropped(demo_services: Services) -> None:
    """Rows answering an older request never replace the newer ones."""
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        stale = ListRequest(0, "", screen.filters, screen.sort)
        page = demo_services.search.search("")
        screen.post_message(CustomerListScreen.RowsLoaded(stale, page))
        await pilot.pause()
        assert names(screen) == ["Daniel Andrade"]


async def test_near_misses_are_marked(demo_services: Services) -> None:
    """A typo finds near misses, labelled as such."""
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrdae")
        rows = screen.query_one(CustomerTable).loaded_rows
        if not rows:
            pytest.skip("the search service found no near miss for this typo")
        assert all(row.near_miss for row in rows)
        assert "near misses" in str(screen.query_one("#match-count").render())


async def test_filters_apply_and_remove(demo_services: Services) -> None:
    """`f` applies a status filter shown as a chip; removing the chip restores the list."""
    async with running(demo_services) as (pilot, screen):
        await pilot.press("down", "f")
        await settle(pilot)
        modal = top(pilot)
        assert isinstance(modal, FiltersModal)
        modal.query_one("#filter-status", Select).value = "churned"
        await pilot.press("ctrl+s")
        await settle(pilot)
        statuses = {row.status for row in screen.query_one(CustomerTable).loaded_rows}
        assert statuses == {"churned"}
        chip = screen.query_one("#chip-status", Button)
        assert "status: churned" in str(chip.label)
        chip.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.query("#chip-status")
        assert screen.match_count == (60, True)


async def test_bad_amount_in_filters_is_refused(demo_services: Services) -> None:
    """A lifetime value range with from > to says why and stays open."""
    async with running(demo_services) as (pilot, _screen):
        await pilot.press("down", "f")
        await settle(pilot)
        modal = top(pilot)
        assert isinstance(modal, FiltersModal)
        modal.query_one("#ltv-min", Input).value = "500"
        modal.query_one("#ltv-max", Input).value = "100"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(pilot) is modal
        assert "must not be more" in str(modal.query_one("#filters-error").render())


async def test_ltv_filter_combines_with_search(demo_services: Services) -> None:
    """A lifetime value floor narrows the rows and the KPI figures."""
    async with running(demo_services) as (pilot, screen):
        await pilot.press("down", "f")
        await settle(pilot)
        modal = top(pilot)
        assert isinstance(modal, FiltersModal)
        modal.query_one("#ltv-min", Input).value = "300"
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = screen.query_one(CustomerTable).loaded_rows
        assert rows and all(row.lifetime_value >= Decimal("300") for row in rows)
        assert screen.query_one("#chip-ltv-min")


async def test_sort_both_directions(demo_services: Services) -> None:
    """`s` sorts by lifetime value highest first, then lowest first."""
    async with running(demo_services) as (pilot, screen):
        for descending in (True, False):
            await pilot.press("down", "s")
            await pilot.pause()
            modal = top(pilot)
            assert isinstance(modal, ChoiceModal)
            index = [spec for spec, _label in modal.choices].index(
                SortSpec("lifetime_value", descending)
            )
            modal.query_one("#choice-list", OptionList).highlighted = index
            await pilot.press("enter")
            await settle(pilot)
            values = [row.lifetime_value for row in screen.query_one(CustomerTable).loaded_rows]
            assert values == sorted(values, reverse=descending)
            assert screen.sort == SortSpec("lifetime_value", descending)


async def test_mark_and_bulk_tag(demo_services: Services) -> None:
    """`space` marks two rows; the bulk menu tags exactly those customers."""
    async with running(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        await pilot.press("down")
        first, second = table.loaded_rows[0].id, table.loaded_rows[1].id
        await pilot.press("space", "space", "b")
        await pilot.pause()
        assert isinstance(top(pilot), ChoiceModal)
        await pilot.press("enter")  # "Add a tag…"
        await settle(pilot)
        assert isinstance(top(pilot), PromptModal)
        await pilot.press(*"callback", "enter")
        await settle(pilot)
        assert top(pilot) is screen
        assert "callback" in demo_services.customers.get(first).tags
        assert "callback" in demo_services.customers.get(second).tags
        third = table.loaded_rows[2].id
        assert "callback" not in demo_services.customers.get(third).tags
        assert table.current_id == third  # the list refreshed in place, cursor kept
        assert screen.marks.ids == {first, second}  # marks stay for a next action


async def test_mark_all_matches_and_change_status(demo_services: Services) -> None:
    """`*` marks every match; a status change asks first, then applies to all of them."""
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        target = screen.query_one(CustomerTable).loaded_rows[0].id
        await pilot.press("down", "asterisk", "b")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # "Change status…"
        await pilot.pause()
        assert isinstance(top(pilot), ChoiceModal)
        await pilot.press("down", "enter")  # "inactive"
        await pilot.pause()
        assert isinstance(top(pilot), ConfirmationModal)
        await pilot.press("y")
        await settle(pilot)
        changed = demo_services.customers.get(target)
        assert changed.status == "inactive"
        history = demo_services.history.for_customer(target)
        assert (history[0].field, history[0].new_value) == ("status", "inactive")


async def test_status_change_can_be_declined(demo_services: Services) -> None:
    """Answering no to the confirmation changes nothing."""
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        target = screen.query_one(CustomerTable).loaded_rows[0]
        await pilot.press("down", "space", "b")
        await pilot.pause()
        await pilot.press("down", "down", "enter", "down", "enter", "n")
        await settle(pilot)
        assert demo_services.customers.get(target.id).status == target.status


async def test_progress_modal_cancels(demo_services: Services) -> None:
    """Escape on the progress dialog stops the job between chunks."""
    from crm_tui.services.bulk.service import BulkResult, CancelFn, ProgressFn

    def job(progress: ProgressFn, cancelled: CancelFn) -> BulkResult:
        done = 0
        while not cancelled():
            done = min(done + 1, 100)
            progress(done, 100)
            import time

            time.sleep(0.01)
        return BulkResult("test", 100, done, done, True)

    results: list[BulkResult | None] = []
    async with running(demo_services) as (pilot, _screen):
        pilot.app.push_screen(BulkProgressModal("Working", job), callback=results.append)
        await pilot.pause(0.1)
        await pilot.press("escape")
        await settle(pilot)
        assert results and results[0] is not None and results[0].cancelled


async def test_enter_opens_customer(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter (in the search or on a row) asks the app to open that customer."""
    opened: list[int] = []
    monkeypatch.setattr(CrmApp, "open_customer", lambda self, cid, glimpse=None: opened.append(cid))
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        await pilot.press("enter")
        table = screen.query_one(CustomerTable)
        assert opened == [table.loaded_rows[0].id]
        await pilot.press("backspace", "down", "down", "enter")
        await settle(pilot)
        assert opened[-1] == table.current_id


async def test_enter_shows_detail_screen(demo_services: Services) -> None:
    """Enter on a row lands on that customer's detail screen."""
    from crm_tui.ui.screens.customer_detail import CustomerDetailScreen

    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "andrade")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(top(pilot), CustomerDetailScreen)


async def test_hostile_name_is_shown_literally(demo_services: Services) -> None:
    """A customer called `[bold]x[/]` appears exactly as typed."""
    demo_services.customers.create(
        CustomerCreate(first_name="[bold]x[/]", email="markup@example.com")
    )
    async with running(demo_services) as (pilot, screen):
        await type_query(pilot, "markup@example")
        table = screen.query_one(CustomerTable)
        assert [r.display_name for r in table.loaded_rows] == ["[bold]x[/]"]
        name = table.cells(table.cursor_row)[table.column_keys.index("name")]
        assert name.plain == "[bold]x[/]" and not name.spans
        strips = pilot.app.screen._compositor.render_strips()
        screen_text = "\n".join("".join(seg.text for seg in strip) for strip in strips)
        assert "[bold]x[/]" in screen_text


async def test_window_pages_by_keyset(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scrolling fetches further pages and drops old ones; scrolling back refetches them."""
    monkeypatch.setattr(CustomerListScreen, "PAGE_SIZE", 5)
    monkeypatch.setattr(CustomerTable, "MAX_PAGES", 2)
    monkeypatch.setattr(CustomerTable, "MARGIN", 2)
    STEPS = 30  # noqa: N806 - a local constant
    everyone = [r.display_name for r in demo_services.search.search("", limit=100).rows]
    async with running(demo_services, size=(80, 12)) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        await pilot.press("down")
        seen: list[str] = []
        most = 0
        for _ in range(STEPS):
            seen.append(table.current.display_name if table.current else "")
            most = max(most, len(table.loaded_rows))
            await pilot.press("down")
            await settle(pilot, rounds=1)
        seen.append(table.current.display_name if table.current else "")
        assert seen == everyone[: STEPS + 1]
        assert table.first_page > 0 and most < STEPS  # earlier pages were dropped
        for _ in range(STEPS):
            await pilot.press("up")
            await settle(pilot, rounds=1)
        assert table.first_page == 0
        assert table.current is not None and table.current.display_name == everyone[0]


async def test_search_key_focuses_search(demo_services: Services) -> None:
    """`/` from the table goes back to the search input; Esc on an empty query returns."""
    async with running(demo_services) as (pilot, screen):
        await pilot.press("down")
        assert focused(screen) is screen.query_one(CustomerTable)
        await pilot.press("slash")
        assert focused(screen) is screen.query_one(SearchBar).input
        await pilot.press("escape")
        assert focused(screen) is screen.query_one(CustomerTable)


async def test_read_only_list_hides_write_keys(demo_settings: Settings) -> None:
    """Read-only: new, add, edit, bulk and import leave the footer and the palette; search stays."""
    services = open_services(replace(demo_settings, read_only=True))
    try:
        async with running(services) as (pilot, screen):
            screen.query_one(CustomerTable).focus()
            await pilot.pause()
            shown = {b.binding.action for b in screen.active_bindings.values()}
            assert {"new_customer", "quick_add", "edit", "bulk", "import_customers"}.isdisjoint(
                shown
            )
            assert {"filters", "sort", "export", "mark"} <= shown
            await pilot.press("a")
            await pilot.press("n")
            assert top(pilot) is screen
            assert pilot.app.screen.query_one(CrmFooter).badge == "read-only"
            commands = [c.title for c in pilot.app.get_system_commands(screen)]
            assert "Quick add customer" not in commands and "New customer" not in commands
            assert "Dashboard" in commands
    finally:
        services.close()


async def test_mouse_and_paging_keys_move_the_cursor(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click moves the cursor, a click on the highlighted row opens it; page and end keys."""
    opened: list[int] = []
    monkeypatch.setattr(CrmApp, "open_customer", lambda self, cid, glimpse=None: opened.append(cid))
    async with running(demo_services, size=(80, 24)) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        rows = table.loaded_rows
        await pilot.click(CustomerTable, offset=(12, 3))  # line 0 is the header
        assert table.current_id == rows[2].id and opened == []
        await pilot.click(CustomerTable, offset=(12, 3))
        assert opened == [rows[2].id]
        await pilot.click(CustomerTable, offset=(12, 0))  # the header opens nothing
        assert table.current_id == rows[2].id and opened == [rows[2].id]
        table.focus()
        await pilot.press("pagedown")
        visible = table.scrollable_content_region.height - 1
        assert table.cursor_row == 2 + visible
        assert table.scroll_y > 0  # the cursor stays on screen
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("end")
        await settle(pilot)  # near the end of the window: the next page is fetched
        assert table.current_id == rows[-1].id
        assert len(table.loaded_rows) == 60  # all of the demo's customers, by keyset
