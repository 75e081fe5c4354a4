"""The customer screen is kept between customers: opening the next one reuses it, and
nothing of the last customer stays on screen, under a key or in a tab's filter."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent

from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.widgets.detail.overview import OverviewTab
from crm_tui.ui.widgets.detail.payments import PaymentsTab
from crm_tui.ui.widgets.fitted_table import FittedTable
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from tests.ui.test_keyboard_model import on_the_list, settle, top


def detail(pilot: Pilot[Any]) -> CustomerDetailScreen:
    screen = top(pilot)
    assert isinstance(screen, CustomerDetailScreen)
    return screen


def title(screen: CustomerDetailScreen) -> str:
    return str(screen.query_one("#header-title", Static).render())


def payment_amounts(screen: CustomerDetailScreen) -> list[str]:
    table = screen.query_one("#payments-table", FittedTable)
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def open_row(pilot: Pilot[Any], table: CustomerTable, row: int) -> None:
    table.move_cursor(row)
    table.focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_the_next_customer_reuses_the_screen_and_shows_only_their_data(
    demo_services: Services,
) -> None:
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        first, second = table.loaded_rows[0], table.loaded_rows[1]
        await open_row(pilot, table, 0)
        kept = detail(pilot)
        await pilot.press("4", "f")  # Payments, filtered to paid ones
        await settle(pilot)
        assert kept.query_one(PaymentsTab).status_filter == "paid"
        await pilot.press("escape")
        await settle(pilot)

        await open_row(pilot, table, 1)
        assert detail(pilot) is kept
        assert kept.customer is not None and kept.customer.id == second.id
        assert second.number in title(kept) and first.number not in title(kept)
        assert kept.active_tab == "overview"
        await pilot.press("4")
        await settle(pilot)
        payments = kept.query_one(PaymentsTab)
        assert payments.status_filter == ""  # the last customer's filter is not carried over
        expected = demo_services.billing.payments(second.id)
        assert len(payment_amounts(kept)) == len(expected)


async def test_nothing_of_the_last_customer_shows_while_the_next_is_read(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Overview's read is held back: the header already names the new customer and
    the tab bodies of the last one are hidden (their rows gone), not shown under a key."""
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        first, second = table.loaded_rows[0], table.loaded_rows[1]
        await open_row(pilot, table, 0)
        kept = detail(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        release = threading.Event()
        original = OverviewTab.fetch

        def held(self: OverviewTab) -> Any:
            release.wait(10)
            return original(self)

        monkeypatch.setattr(OverviewTab, "fetch", held)
        table.move_cursor(1)
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert detail(pilot) is kept and kept.customer is None
        assert second.number in title(kept) and first.display_name not in title(kept)
        overview = kept.query_one(OverviewTab)
        assert not overview.display and overview.customer is None and not overview.addresses
        contacts = kept.tab("contacts")
        assert contacts is not None and not contacts.display
        assert all(t.row_count == 0 for t in [*kept.query(DataTable), *kept.query(FittedTable)])
        release.set()
        await settle(pilot)
        assert overview.display and kept.customer is not None
        assert kept.customer.id == second.id


async def test_a_customer_opened_over_another_gets_a_screen_of_its_own(
    demo_services: Services,
) -> None:
    """With the kept screen in the stack (a customer open, another opened on top, e.g.
    from a billing group), the second is a new screen; Esc comes back to the first."""
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        first, second = table.loaded_rows[0], table.loaded_rows[1]
        await open_row(pilot, table, 0)
        kept = detail(pilot)
        pilot.app.open_customer(second.id)  # type: ignore[attr-defined]
        await settle(pilot)
        other = detail(pilot)
        assert other is not kept and other.customer is not None
        assert other.customer.id == second.id
        await pilot.press("escape")
        await settle(pilot)
        assert detail(pilot) is kept and kept.customer is not None
        assert kept.customer.id == first.id


async def next_frame(pilot: Pilot[Any]) -> None:
    """Until the screen has painted once more."""
    painted = asyncio.Event()
    pilot.app.screen.refresh()
    pilot.app.call_after_refresh(painted.set)
    await painted.wait()


async def test_tab_keys_typed_a_frame_apart_end_on_the_last_tab(
    demo_services: Services,
) -> None:
    """ "1" then "6" a frame apart (what the keys do, run when typed: a terminal does not
    wait for the app to idle) ends on History, and the next customer opens on the
    Overview and stays there. The focus the Overview gave its panels arrived after "6"
    and switched back (Textual follows a focus into its pane); the next customer's
    screen then restored the History table's focus and the two tabs took the screen
    from each other for ever."""
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        await open_row(pilot, table, 0)
        kept = detail(pilot)
        await pilot.press("6")
        await settle(pilot)
        for name in ("overview", "history"):
            kept.action_show_tab(name)
            await next_frame(pilot)
        await settle(pilot)
        assert kept.active_tab == "history"
        await pilot.press("escape")
        await settle(pilot)

        await open_row(pilot, table, 1)
        assert detail(pilot) is kept and kept.active_tab == "overview"
        switches: list[str] = []
        tabs = kept.query_one("#detail-tabs", TabbedContent)
        tabs.watch(tabs, "active", switches.append, init=False)
        await pilot.pause(0.2)
        await settle(pilot)
        assert kept.active_tab == "overview" and switches == []
