"""The invoice screens' keys are in the app's help (F1/?) as well as the footer, and an
invoice's lines (enter on an invoice) have a snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.ui import clock
from crm_tui.ui.modals.help import HelpModal, keys_of
from crm_tui.ui.screens.billing_run import BillingRunScreen
from crm_tui.ui.screens.customer_invoices import CustomerInvoicesScreen
from crm_tui.ui.screens.overdue_invoices import OverdueInvoicesScreen
from crm_tui.ui.screens.reports import ReportsScreen
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


SCREENS: list[tuple[Callable[[], Screen[Any]], set[tuple[str, str]]]] = [
    (lambda: CustomerInvoicesScreen(2), {("n", "New"), ("i", "Issue"), ("v", "Void"),
                                         ("k", "Credit note"), ("d", "PDF"), ("r", "Reports")}),
    (OverdueInvoicesScreen, {("/", "Filter"), ("␣", "Mark"), ("*", "Mark all"),
                             ("s", "Send reminders")}),
    (BillingRunScreen, {("m", "Month"), ("p", "Preview"), ("r", "Run"), ("esc", "Back / stop")}),
    (ReportsScreen, {("1", "Revenue by customer"), ("2", "Revenue by month"), ("3", "Invoices"),
                     ("4", "Payments"), ("f", "Period"), ("x", "Export")}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "expected"), SCREENS, ids=["invoices", "overdue", "run", "reports"]
)
async def test_help_lists_the_screens_keys(
    demo_services: Services, make: Callable[[], Screen[Any]], expected: set[tuple[str, str]]
) -> None:
    """F1 on the screen opens the help, which lists each of its keys."""
    app = ScreenApp(demo_services, make)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        listed = {(k.key, k.description) for k in keys_of(screen) if k.section == "screen"}
        assert expected <= listed
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal)


def test_invoice_lines_snapshot(snap_compare: SnapCompare, demo_services: Services) -> None:
    """enter on an invoice: its lines, totals, dates and printed notes."""
    inv = demo_services.invoices
    draft = inv.create_draft(
        2, [LineInput("Fibre · December 2025", "30.00", tax_rate="20"),
            LineInput("Router swap", "45.00", quantity="2", tax_rate="20")],
        notes="Thank you for your business.",
    )  # fmt: skip
    inv.issue(draft.id, on=date(2026, 1, 2))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle_still(pilot)

    app = ScreenApp(demo_services, lambda: CustomerInvoicesScreen(2))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
