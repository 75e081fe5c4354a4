"""Orders from the Payments tab: `o` records one with its items, `b` invoices it.

On the demo data (seed 7, as of 2026-01-15); C-000002 is a business with one order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from crm_tui.services.registry import Services
from crm_tui.ui import clock
from crm_tui.ui.modals.order_form import OrderFormModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.ui.conftest import ScreenApp, settle, settle_still

SnapCompare = Callable[..., bool]
BUSINESS = 2
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


def on_payments(services: Services) -> ScreenApp:
    return ScreenApp(services, lambda: CustomerDetailScreen(BUSINESS))


async def open_order_form(pilot: Pilot[Any]) -> None:
    await settle(pilot, rounds=1)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)


async def type_two_items(pilot: Pilot[Any]) -> None:
    """Typed without pauses: each enter adds the item in the row."""
    await pilot.press(*"Cable", "tab", "backspace", "2", "tab", *"4.50", "enter")
    await pilot.press(*"Install visit", "tab", "tab", *"60", "enter")


def test_order_form_snapshot(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The new-order form with two items typed, their amounts and the total."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_order_form(pilot)
        await type_two_items(pilot)
        await settle_still(pilot)

    assert snap_compare(on_payments(demo_services), terminal_size=(80, 24), run_before=run_before)


async def test_order_recorded_then_invoiced(demo_services: Services) -> None:
    """o, two items, ctrl+s stores the order; b then issues its invoice at once."""
    before = {o.id for o in demo_services.billing.orders(BUSINESS)}
    app = on_payments(demo_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_order_form(pilot)
        await type_two_items(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        [order] = [o for o in demo_services.billing.orders(BUSINESS) if o.id not in before]
        assert [(i.description, i.quantity, i.unit_price) for i in order.items] == [
            ("Cable", 2, Decimal("4.50")),
            ("Install visit", 1, Decimal("60.00")),
        ]
        assert (order.total, order.status, order.ordered_at.date()) == (
            Decimal("69.00"), "paid", TODAY,
        )  # fmt: skip
        table = app.screen.query_one("#orders-table", FittedTable)
        table.move_cursor(row=table.get_row_index(f"i{order.items[1].id}"))  # an item row
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # "Issue the invoice now"
        await settle(pilot)
        [invoiced] = [o for o in demo_services.billing.orders(BUSINESS) if o.id == order.id]
        assert invoiced.invoice.startswith("INV-2026-")
        issued = demo_services.invoices.get(invoiced.invoice).invoice
        assert (issued.status, issued.subtotal) == ("issued", Decimal("69.00"))
        row = table.get_row_index(f"o{order.id}")
        assert str(table.get_row_at(row)[4]) == invoiced.invoice


async def test_refused_item_is_said_and_nothing_saved(demo_services: Services) -> None:
    """A price that is no number is refused beside the item row; the order is not stored."""
    before = len(demo_services.billing.orders(BUSINESS))
    app = on_payments(demo_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_order_form(pilot)
        await pilot.press(*"Cable", "tab", "tab", *"abc", "ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OrderFormModal)
        error = str(form.query_one("#error-items", Static).render())
        assert error == "The unit price 'abc' is not a number; type e.g. 49.90."
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")  # discard what was typed
        await settle(pilot)
        assert not isinstance(app.screen, OrderFormModal)
    assert len(demo_services.billing.orders(BUSINESS)) == before
