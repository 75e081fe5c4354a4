"""The billing run screen: preview, run with progress, a second run issues nothing.

On the demo data (seed 7, as of 2026-01-15, so the month offered is 2026-01).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar, Static

from crm_tui.services.invoices.periods import Month
from crm_tui.services.registry import Services
from crm_tui.ui import clock
from crm_tui.ui.screens.billing_run import BillingRunScreen
from tests.ui.conftest import ScreenApp, settle, settle_still

SnapCompare = Callable[..., bool]
TODAY = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def stable_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC and today is the demo's as-of day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(clock, "today_override", TODAY)
    yield
    monkeypatch.undo()
    time.tzset()


def status(app: ScreenApp) -> str:
    return str(app.screen.query_one("#run-status", Static).render())


def test_billing_run_preview_snapshot(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The month's preview: how many invoices, the totals per currency, the keys."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle_still(pilot)

    app = ScreenApp(demo_services, BillingRunScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_preview_then_run_then_nothing_new(demo_services: Services) -> None:
    """p previews what r then issues (after y); r again finds nothing to bill."""
    expected = demo_services.billing_run.run(Month(2026, 1), dry_run=True)
    assert expected.invoices > 0
    app = ScreenApp(demo_services, BillingRunScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert status(app).startswith(f"2026-01 would issue {expected.invoices:,} invoices")
        assert demo_services.invoices.list(status="issued") == []
        table = app.screen.query_one("#run-totals", DataTable)
        assert table.row_count == len(expected.totals)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert status(app) == (
            f"Issued {expected.invoices:,} invoices ({expected.lines:,} lines) for 2026-01."
        )
        bar = app.screen.query_one("#run-progress", ProgressBar)
        assert bar.percentage == 1
        issued = demo_services.invoices.list(limit=100_000)
        assert len(issued) == expected.invoices
        assert {i.issue_date for i in issued} == {TODAY}
        await pilot.press("r")
        await settle(pilot)
        assert status(app) == (
            "Nothing to bill for 2026-01: every active subscription is billed for it."
        )


async def test_bad_month_is_one_sentence(demo_services: Services) -> None:
    """m, a month that is no month, enter: the service's sentence; nothing is run."""
    app = ScreenApp(demo_services, BillingRunScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        month = app.screen.query_one("#run-month", Input)
        month.value = ""
        await pilot.press(*"2026-13", "enter")
        await settle(pilot)
        assert status(app) == "The month '2026-13' is not a month; type e.g. 2026-11."
        assert month.has_focus
