"""Pilot tests of the customer list on demo data."""

from __future__ import annotations

from crm_tui.factory import make_app
from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_list import CustomerListScreen


async def test_list_boots(demo_services: Services) -> None:
    """The app opens on the customer list."""
    async with make_app(demo_services).run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, CustomerListScreen)
