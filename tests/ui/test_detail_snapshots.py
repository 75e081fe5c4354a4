"""Snapshots of each customer-detail tab at 80x24 on the seeded demo data."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from textual.pilot import Pilot

from crm_tui.services.registry import Services
from crm_tui.ui import clock
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from tests.ui.conftest import ScreenApp, settle

SnapCompare = Callable[..., bool]

# Demo customers (seed 7, as of 2026-01-15): C-000002 is a business with contacts,
# subscriptions, payments and an order; C-000007 has notes; C-000016 is blocked.
BUSINESS, WITH_NOTES, BLOCKED = 2, 7, 16


@pytest.fixture(autouse=True)
def stable_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC and today is the demo's as-of day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(clock, "today_override", date(2026, 1, 15))
    yield
    monkeypatch.undo()
    time.tzset()


def show_tab(key: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, rounds=1)
        await pilot.press(key)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize(
    ("key", "customer_id"),
    [
        ("1", BUSINESS),
        ("2", BUSINESS),
        ("3", BUSINESS),
        ("4", BUSINESS),
        ("5", WITH_NOTES),
        ("6", BUSINESS),
    ],
    ids=["overview", "contacts", "subscriptions", "payments", "notes", "history"],
)
def test_detail_tab(
    snap_compare: SnapCompare, demo_services: Services, key: str, customer_id: int
) -> None:
    """Each tab of the detail screen renders its demo data legibly at 80x24."""
    app = ScreenApp(demo_services, lambda: CustomerDetailScreen(customer_id))
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_tab(key))


def test_blocked_customer_overview(snap_compare: SnapCompare, demo_services: Services) -> None:
    """A blocked customer's reason stands out under the header."""
    app = ScreenApp(demo_services, lambda: CustomerDetailScreen(BLOCKED))
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_tab("1"))


def test_note_form(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The add-note form fits an 80x24 terminal."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await show_tab("5")(pilot)
        await pilot.press("n")
        await pilot.pause()

    app = ScreenApp(demo_services, lambda: CustomerDetailScreen(WITH_NOTES))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
