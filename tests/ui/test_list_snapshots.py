"""Snapshots of the customer list at 80x24 on demo data (dated 2026-01-15)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from textual.pilot import Pilot

from crm_tui.factory import make_app
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.ui import clock
from tests.ui.conftest import settle_still

SnapCompare = Callable[..., bool]


def test_list_empty_search(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The list as it opens: every customer by name, the count and the KPI bar."""
    assert snap_compare(make_app(demo_services), terminal_size=(80, 24), run_before=settle_still)


def test_list_with_results(snap_compare: SnapCompare, demo_services: Services) -> None:
    """A typed query narrows the rows; two marked rows and the table's footer keys."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press(*"la")
        await settle_still(pilot)
        await pilot.press("down", "space", "space")
        await settle_still(pilot)

    assert snap_compare(make_app(demo_services), terminal_size=(80, 24), run_before=run_before)


def test_list_filters_open(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The filters dialog over the list, with its choices loaded."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("down", "f")
        await settle_still(pilot)

    assert snap_compare(make_app(demo_services), terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare: SnapCompare, demo_services: Services) -> None:
    """`?` on the list: the app's own help, the list's keys then the global ones."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("down", "question_mark")
        await settle_still(pilot)

    assert snap_compare(make_app(demo_services), terminal_size=(80, 24), run_before=run_before)


def test_list_sort_picker(snap_compare: SnapCompare, demo_services: Services) -> None:
    """`s` on the list: every order offered, days overdue last."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("down", "s")
        await settle_still(pilot)
        await pilot.press("end")
        await settle_still(pilot)

    assert snap_compare(make_app(demo_services), terminal_size=(80, 30), run_before=run_before)


def test_list_by_days_overdue(
    snap_compare: SnapCompare, demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted by days overdue, most first (today pinned to 2026-01-15): the last column
    shows the days; one not yet late is blank, then those who owe nothing."""
    monkeypatch.setattr(clock, "today_override", date(2026, 1, 15))
    inv = demo_services.invoices
    for cid, day in ((7, date(2025, 12, 1)), (12, date(2025, 12, 20)), (5, date(2026, 1, 2))):
        draft = inv.create_draft(cid, [LineInput("Repair", "80.00")], currency="GBP")
        inv.issue(draft.id, on=day)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("down", "s")
        await settle_still(pilot)
        await pilot.press("end", "enter")
        await settle_still(pilot)

    assert snap_compare(make_app(demo_services), terminal_size=(80, 24), run_before=run_before)
