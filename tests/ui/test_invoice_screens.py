"""The customer's invoices screen and the overdue list: keys, writes, bulk reminders.

Snapshots at 80x24 on demo data with invoices added at fixed dates; today is
pinned to the demo's as-of day (2026-01-15).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from crm_tui.config import data_dir
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.ui import clock
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.overdue_invoices import OverdueInvoicesScreen

SnapCompare = Callable[..., bool]
BUSINESS = 2  # a demo business (Net terms) with subscriptions
TODAY = date(2026, 1, 15)


class Harness(CrmApp):
    """The real app opened on one screen."""

    def __init__(self, services: Services, first: Callable[[], Any]) -> None:
        super().__init__(services)
        self.first = first

    def on_mount(self, event: events.Mount | None = None) -> None:
        assert event is not None
        event.prevent_default()  # no list screen underneath
        self.push_screen(self.first())


@pytest.fixture(autouse=True)
def stable_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(clock, "today_override", TODAY)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def billed(demo_services: Services) -> Services:
    """C-000002: a paid invoice, one 40 days overdue, a credit note and a draft; C-000003 and
    C-000004 owe overdue invoices too."""
    inv = demo_services.invoices
    paid = inv.create_draft(BUSINESS, [LineInput("Fibre · October 2025", "30.00", tax_rate="20")])
    inv.issue(paid.id, on=date(2025, 10, 1))
    demo_services.billing.record_payment(
        BUSINESS, PaymentCreate(amount="36.00", currency=paid.currency, paid_at="2025-10-10")
    )
    late = inv.create_draft(BUSINESS, [LineInput("Fibre · November 2025", "30.00", tax_rate="20"),
                                       LineInput("Router swap", "45.00", tax_rate="20")])  # fmt: skip
    late_id = inv.issue(late.id, on=date(2025, 11, 1)).id
    inv.credit_note(late_id, [LineInput("Goodwill", "10.00", tax_rate="20")], on=date(2025, 11, 5))
    for cid, day in ((3, date(2025, 11, 20)), (4, date(2025, 12, 10))):
        other = inv.create_draft(cid, [LineInput("Repair", "80.00")])
        inv.issue(other.id, on=day)
    inv.create_draft(BUSINESS, [LineInput("Cable", "4.50", tax_rate="20")])
    return demo_services


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def invoices_screen(services: Services) -> Harness:
    from crm_tui.ui.screens.customer_invoices import CustomerInvoicesScreen

    return Harness(services, lambda: CustomerInvoicesScreen(BUSINESS))


def test_invoices_screen_snapshot(snap_compare: SnapCompare, billed: Services) -> None:
    """The customer's invoices: overdue in red, owed and credit per currency, keys in the footer."""
    assert snap_compare(invoices_screen(billed), terminal_size=(80, 24), run_before=settle)


def test_overdue_screen_snapshot(snap_compare: SnapCompare, billed: Services) -> None:
    """The overdue list with the next reminder of each invoice and one row marked."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("space")
        await pilot.pause()

    app = Harness(billed, lambda: OverdueInvoicesScreen())
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_issue_void_and_pdf_from_the_keys(billed: Services) -> None:
    """On the draft: i issues it (after y); d writes the PDF; v voids it (after y)."""
    app = invoices_screen(billed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#invoices-table", DataTable)
        assert table.row_count == 4
        table.move_cursor(row=0)  # the draft, listed first
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        [issued] = [
            i for i in billed.invoices.list(customer_id=BUSINESS) if i.total == Decimal("5.40")
        ]
        assert (issued.status, issued.number) == ("issued", "INV-2026-000001")
        table.move_cursor(row=table.get_row_index(str(issued.id)))
        await pilot.press("d")
        await settle(pilot)
        assert (data_dir() / "invoices" / "INV-2026-000001.pdf").is_file()
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert billed.invoices.get(issued.id).invoice.status == "void"


async def test_new_draft_from_the_form(billed: Services) -> None:
    """n on an issued invoice opens the new-draft form; ctrl+s saves a draft with the line."""
    app = invoices_screen(billed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#invoices-table", DataTable)
        table.move_cursor(row=table.row_count - 1)  # the oldest, issued
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Visit")
        await pilot.press("tab", "tab")
        await pilot.press(*"60")
        await pilot.press("ctrl+s")
        await settle(pilot)
        drafts = billed.invoices.list(customer_id=BUSINESS, status="draft")
        assert sorted(d.subtotal for d in drafts) == [Decimal("4.50"), Decimal("60.00")]


async def test_overdue_filter_mark_and_send(billed: Services, tmp_path: Path) -> None:
    """Filtering by name narrows the list; marking one and s sends only its reminder."""
    app = Harness(billed, lambda: OverdueInvoicesScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#overdue-table", DataTable)
        overdue = billed.invoices.list(overdue_on=TODAY)
        assert table.row_count == len(overdue) > 1
        name = overdue[0].customer_name
        app.screen.query_one("#overdue-filter", Input).value = name
        await settle(pilot)
        assert table.row_count == 1
        table.focus()
        await pilot.press("space", "s")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    outbox = data_dir() / "outbox"
    assert len(list(outbox.iterdir())) == 1


async def test_overpayment_is_shown_as_credit(billed: Services) -> None:
    """Paying 20 more than C-000003 owes: the invoices screen says nothing is owed and shows
    the 20 as credit, in the invoice's currency."""
    from crm_tui.ui.screens.customer_invoices import CustomerInvoicesScreen
    from crm_tui.ui.widgets.detail.base import money

    [invoice] = billed.invoices.list(customer_id=3)
    billed.billing.record_payment(
        3, PaymentCreate(amount=str(invoice.owed + 20), currency=invoice.currency)
    )
    app = Harness(billed, lambda: CustomerInvoicesScreen(3))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = str(app.screen.query_one("#invoices-note", Static).render())
    assert f"owed {money(Decimal('0.00'), invoice.currency)}" in shown
    assert f"credit {money(Decimal('20.00'), invoice.currency)}" in shown
