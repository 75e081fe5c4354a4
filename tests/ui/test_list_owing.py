"""The list sorted by outstanding balance shows that balance in its last column."""

from __future__ import annotations

from datetime import date

from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.services.search import SortSpec
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from tests.ui.conftest import settle
from tests.ui.test_customer_list import running


async def test_outstanding_sort_shows_the_balance(demo_services: Services) -> None:
    """s, 'Outstanding balance, highest first': the biggest debtor first, its balance shown
    under 'Owed'; back to the name sort, the column is lifetime value again."""
    inv = demo_services.invoices
    draft = inv.create_draft(5, [LineInput("Repair", "480.00")], currency="GBP")
    inv.issue(draft.id, on=date(2026, 1, 2))
    async with running(demo_services, size=(80, 24)) as (pilot, screen):
        screen.table.focus()
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("end", "enter")  # the last order offered: outstanding, highest first
        await settle(pilot)
        assert screen.sort == SortSpec("outstanding", True)
        table = screen.query_one(CustomerTable)
        assert table.column_keys[-1] == "owed"
        assert table.loaded_rows[0].id == 5
        assert table.cells(0)[-1].plain == "480.00"
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("home", "down", "enter")  # Name A -> Z
        await settle(pilot)
        assert screen.sort == SortSpec("name")
        assert table.column_keys[-1] == "ltv"
