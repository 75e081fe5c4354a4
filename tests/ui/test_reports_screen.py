"""The reports screen: the four reports, a period, one customer's, and export to a file.

On the demo with its invoice stories (seed 7, 60 customers, as of 2026-01-15).
"""

from __future__ import annotations

import csv
import stat
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from crm_tui.config import Settings
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.invoices.reports import Period
from crm_tui.services.registry import Services, open_services
from crm_tui.ui import clock
from crm_tui.ui.screens.reports import ReportsScreen
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.ui.conftest import ScreenApp, settle, settle_still

SnapCompare = Callable[..., bool]
AS_OF = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def stable_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC and today is the demo's as-of day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(clock, "today_override", AS_OF)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def invoiced(sqlite_settings: Settings) -> Iterator[Services]:
    """The demo with its invoices: paid, partly paid, overdue, void, credited, overpaid."""
    services = open_services(sqlite_settings)
    DemoBuilder(services.ctx, seed=7, as_of=AS_OF).run(60)
    yield services
    services.close()


def note(app: ScreenApp) -> str:
    return str(app.screen.query_one("#report-note", Static).render())


def test_revenue_by_customer_snapshot(snap_compare: SnapCompare, invoiced: Services) -> None:
    """Revenue by customer: invoiced, paid and owed per currency, the keys in the footer."""
    app = ScreenApp(invoiced, ReportsScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle_still)


def test_payments_report_snapshot(snap_compare: SnapCompare, invoiced: Services) -> None:
    """4: the payments, each amount beside its amount in the reporting currency (GBP; blank
    for a currency with no rate that day)."""
    app = ScreenApp(invoiced, ReportsScreen)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("4")
        await settle_still(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_each_report_and_a_period(invoiced: Services) -> None:
    """2, 3 and 4 show the month, invoices and payments reports; a period narrows them."""
    app = ScreenApp(invoiced, ReportsScreen)
    reports = invoiced.reports
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#report-table", FittedTable)
        assert table.row_count == len(reports.revenue(Period()).rows) > 5
        for key, kind in (("2", "revenue"), ("3", "invoices"), ("4", "payments")):
            await pilot.press(key)
            await settle(pilot)
            expected = reports.report(kind, Period(), by="month").rows
            assert table.row_count == min(len(expected), 1000)
            assert str(table.get_row_at(0)[0]) == str(expected[0][0])
        await pilot.press("3", "f")
        await pilot.press(*"2025-12-01", "tab", *"2025-12-31", "enter")
        await settle(pilot)
        december = reports.invoices(Period(date(2025, 12, 1), date(2025, 12, 31))).rows
        assert 0 < table.row_count == len(december) < len(reports.invoices(Period()).rows)
        assert table.has_focus
        app.screen.query_one("#report-to", Input).value = "2025-11-01"
        await pilot.press("f", "enter")
        await settle(pilot)
        assert note(app) == "The report cannot end before it starts."


async def test_one_customers_payments_exported(invoiced: Services, tmp_path: Path) -> None:
    """Opened for one customer, 4 then x, CSV, a file name: every row written, privately."""
    customer = invoiced.invoices.list(status="partly_paid")[0].customer_id
    app = ScreenApp(invoiced, lambda: ReportsScreen(customer))
    target = tmp_path / "payments.csv"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")  # CSV, the first format offered
        await settle(pilot)
        app.screen.query_one("#prompt-input", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    expected = invoiced.reports.payments(Period(), customer_id=customer)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(expected.headers) and len(rows) == len(expected.rows) + 1
    assert {row[1] for row in rows[1:]} == {f"C-{customer:06d}"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_export_refuses_a_file_that_exists(invoiced: Services, tmp_path: Path) -> None:
    """A file name already taken is refused under the field; nothing is overwritten."""
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me")
    app = ScreenApp(invoiced, ReportsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "enter")
        await settle(pilot)
        app.screen.query_one("#prompt-input", Input).value = str(taken)
        await pilot.press("enter")
        await settle(pilot)
        error = str(app.screen.query_one("#prompt-error", Static).render())
        assert "already exists" in error
    assert taken.read_text() == "keep me"


async def test_every_report_fits_80_columns(invoiced: Services) -> None:
    """At 80 columns no report runs off the edge: names narrow with '…', then the kind and
    the customer number give way; figures, dates and currencies are never cut."""
    app = ScreenApp(invoiced, ReportsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#report-table", FittedTable)
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            await settle(pilot)
            assert table.virtual_size.width <= table.size.width, key
            shown = [table.fitted_columns[i].label for i in table.shown_columns]
            assert {"Currency"} <= set(shown) or key == "2", (key, shown)
            for n in range(table.row_count):
                for cell, width in zip(table.get_row_at(n), table.column_widths, strict=True):
                    if cell.cell_len > width:  # cut: with a sign, never silently
                        assert cell.overflow == "ellipsis" and cell.no_wrap, (key, cell)
