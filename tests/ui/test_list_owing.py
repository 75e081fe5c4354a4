"""The list sorted by outstanding balance, or days overdue, shows that figure in its last
column."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.services.search import SortSpec
from crm_tui.ui import clock
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
        await pilot.press("end", "up", "up", "enter")  # outstanding, highest first
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


async def test_days_overdue_sort_shows_the_days(
    demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """s, 'Days overdue, most first': the customer whose oldest open invoice fell due
    longest ago first, the days under 'Overdue'; one that owes but is not yet late next
    (blank), then those who owe nothing."""
    monkeypatch.setattr(clock, "today_override", date(2026, 1, 15))
    inv = demo_services.invoices
    due = {}
    for cid, day in ((7, date(2025, 12, 1)), (5, date(2026, 1, 2))):
        draft = inv.create_draft(cid, [LineInput("Repair", "80.00")], currency="GBP")
        due[cid] = inv.issue(draft.id, on=day).due_date
    # C-000007 is a business on Net 7, C-000005 on Net 60: due 2025-12-08 and 2026-03-03.
    assert due == {7: date(2025, 12, 8), 5: date(2026, 3, 3)}
    async with running(demo_services, size=(80, 24)) as (pilot, screen):
        screen.table.focus()
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("end", "enter")  # the last order offered: days overdue, most first
        await settle(pilot)
        assert screen.sort == SortSpec("days_overdue", True)
        table = screen.query_one(CustomerTable)
        assert table.column_keys[-1] == "overdue"
        assert [r.id for r in table.loaded_rows[:2]] == [7, 5]
        assert [table.cells(i)[-1].plain for i in range(3)] == ["38 d", "", ""]
