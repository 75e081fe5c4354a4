"""Opened from the list, the customer's header says who this is in its first frame,
before the Overview's data has been read."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.widgets import Static

from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.widgets.detail.overview import OverviewTab
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from tests.ui.test_keyboard_model import on_the_list, settle, top


async def test_header_names_the_customer_before_the_overview_is_read(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    original = OverviewTab.fetch

    def held_fetch(self: OverviewTab) -> Any:
        release.wait(10)  # the database is slow today
        return original(self)

    monkeypatch.setattr(OverviewTab, "fetch", held_fetch)
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        table.focus()
        await pilot.press("down", "down")
        row = table.current
        assert row is not None
        await pilot.press("enter")
        await pilot.pause()
        detail = top(pilot)
        assert isinstance(detail, CustomerDetailScreen) and detail.customer is None
        title = str(detail.query_one("#header-title", Static).render())
        assert row.display_name in title and row.number in title
        assert row.status.upper() in title
        release.set()
        await settle(pilot)
        assert detail.customer is not None and detail.customer.id == row.id
        assert row.number in str(detail.query_one("#header-title", Static).render())


async def test_opened_without_a_row_the_header_says_it_is_loading(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From elsewhere (a dashboard list, `crm --open`), or with a row of another customer,
    there is nothing to glimpse: "Loading customer…" until the data lands."""
    release = threading.Event()
    original = OverviewTab.fetch
    monkeypatch.setattr(OverviewTab, "fetch", lambda self: (release.wait(10), original(self))[1])
    async with on_the_list(demo_services) as (pilot, screen):
        other = screen.query_one(CustomerTable).loaded_rows[0]
        wanted = demo_services.customers.resolve("C-000002").id
        assert other.id != wanted
        pilot.app.push_screen(CustomerDetailScreen(wanted, other))
        await pilot.pause()
        title = str(top(pilot).query_one("#header-title", Static).render())
        assert "Loading customer" in title
        release.set()
        await settle(pilot)
