"""Two clerks, two running apps, one database: conflicts, merged edits and a shared payment.

Each clerk is a whole `CrmApp` (built by `make_app`) with its own services
over the same database, driven by its own Pilot; both run at once in one
event loop. The conflict and the payment run on SQLite and PostgreSQL (row
locks differ); the re-apply and merged-edit cases on SQLite only, to keep CI short.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services, open_services
from crm_tui.ui import clock
from crm_tui.ui.app import CrmApp
from crm_tui.ui.modals.conflict import ConflictModal
from crm_tui.ui.modals.item_form import ItemFormModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.ui.conftest import settle

SIZE = (100, 30)
Clerk = tuple[CrmApp, Pilot[None], Services]


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today_override", date(2026, 1, 15))


@asynccontextmanager
async def two_clerks(settings: Settings, customer_id: int) -> AsyncIterator[tuple[Clerk, Clerk]]:
    """Two apps, each with its own services, both opened on the same customer."""
    one, two = open_services(settings), open_services(settings)
    app1 = make_app(one, open_customer_id=customer_id)
    app2 = make_app(two, open_customer_id=customer_id)
    try:
        async with app1.run_test(size=SIZE) as pilot1, app2.run_test(size=SIZE) as pilot2:
            await settle(pilot1)
            await settle(pilot2)
            assert isinstance(app1.screen, CustomerDetailScreen)
            assert isinstance(app2.screen, CustomerDetailScreen)
            yield (app1, pilot1, one), (app2, pilot2, two)
    finally:
        one.close()
        two.close()


def wizard(app: CrmApp) -> CustomerWizardScreen:
    assert isinstance(app.screen, CustomerWizardScreen), app.screen
    return app.screen


async def open_editor(pilot: Pilot[None]) -> CustomerWizardScreen:
    await pilot.press("1", "e")
    await settle(pilot)
    assert isinstance(pilot.app, CrmApp)
    return wizard(pilot.app)


async def save(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


def rows(app: CrmApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector)
    assert isinstance(table, (DataTable, FittedTable)), table
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def figures(app: CrmApp) -> str:
    content = app.screen.query_one("#ov-figures", Static).content
    return str(getattr(content, "plain", content))


def make_customer(settings: Settings) -> int:
    """Ana Lima, with one paid payment of 10.10."""
    svc = open_services(settings)
    cid = svc.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", email="ana@example.com", currency="GBP")
    ).id
    svc.billing.record_payment(cid, PaymentCreate(amount="10.10", paid_at="2025-12-01"))
    svc.close()
    return cid


async def test_same_field_second_save_shows_both_values(settings: Settings) -> None:
    """Both clerks edit the last name; the second save opens the conflict dialog with
    the value it was opened at, the other clerk's and its own, and reload keeps theirs."""
    customer = make_customer(settings)
    async with two_clerks(settings, customer) as ((app1, pilot1, svc), (app2, pilot2, _)):
        editor1, editor2 = await open_editor(pilot1), await open_editor(pilot2)
        editor1.field("last_name").value = "Costa"
        editor2.field("last_name").value = "Santos"
        await save(pilot1)
        assert isinstance(app1.screen, CustomerDetailScreen)
        await save(pilot2)
        assert isinstance(app2.screen, ConflictModal)
        assert rows(app2, "#conflict-table") == [["last name", "Lima", "Costa", "Santos"]]
        await pilot2.press("r")
        await settle(pilot2)
        assert wizard(app2).field("last_name").value == "Costa"  # reloaded: theirs shown
        assert svc.customers.get(customer).last_name == "Costa"


async def test_conflict_reapply_overwrites_only_by_choice(sqlite_settings: Settings) -> None:
    """Choosing re-apply in the conflict dialog saves the second clerk's value over the first."""
    customer = make_customer(sqlite_settings)
    async with two_clerks(sqlite_settings, customer) as ((_, pilot1, svc), (app2, pilot2, _)):
        editor1, editor2 = await open_editor(pilot1), await open_editor(pilot2)
        editor1.field("email").value = "ana.costa@example.com"
        editor2.field("email").value = "ana.santos@example.com"
        await save(pilot1)
        await save(pilot2)
        assert isinstance(app2.screen, ConflictModal)
        assert rows(app2, "#conflict-table") == [
            ["email", "ana@example.com", "ana.costa@example.com", "ana.santos@example.com"]
        ]
        await pilot2.press("a")
        await settle(pilot2)
        assert isinstance(app2.screen, CustomerDetailScreen)
        assert svc.customers.get(customer).email == "ana.santos@example.com"


async def test_different_fields_merge_without_conflict(sqlite_settings: Settings) -> None:
    """One clerk changes the first name, the other the segment: both saves land, no dialog,
    and each change is in the history under its clerk's save."""
    customer = make_customer(sqlite_settings)
    async with two_clerks(sqlite_settings, customer) as ((app1, pilot1, svc), (app2, pilot2, _)):
        editor1, editor2 = await open_editor(pilot1), await open_editor(pilot2)
        editor1.field("first_name").value = "Anabela"
        editor2.field("segment").value = "VIP"
        await save(pilot1)
        await save(pilot2)
        assert isinstance(app1.screen, CustomerDetailScreen)
        assert isinstance(app2.screen, CustomerDetailScreen)
        stored = svc.customers.get(customer)
        assert (stored.first_name, stored.last_name, stored.segment) == ("Anabela", "Lima", "VIP")
        assert stored.version == 3
        changed = {(h.field, h.new_value) for h in svc.history.for_customer(customer)}
        assert {("first_name", "Anabela"), ("segment", "VIP")} <= changed
        # The second clerk's screen shows the merged record, not just its own edit.
        title = app2.screen.query_one("#header-title", Static).content
        assert "Anabela" in str(getattr(title, "plain", title))


async def test_payment_by_one_clerk_appears_for_the_other(settings: Settings) -> None:
    """A payment recorded in one app shows in the other's payments tab without a key (the
    change feed, issue 23), and the lifetime value there is exact."""
    customer = make_customer(settings)
    async with two_clerks(settings, customer) as ((app1, pilot1, svc), (app2, pilot2, _)):
        await pilot2.press("4")
        await settle(pilot2)
        assert len(rows(app2, "#payments-table")) == 1
        await pilot1.press("4", "n")
        await settle(pilot1)
        form = app1.screen
        assert isinstance(form, ItemFormModal)
        form.query_one("#field-amount", Input).value = "0.20"
        form.query_one("#field-status", Select).value = "paid"
        form.query_one("#field-reference", Input).value = "INV-2"
        await save(pilot1)
        assert [r[5] for r in rows(app1, "#payments-table")].count("INV-2") == 1
        for _ in range(100):  # the other app is told of the commit; nobody presses a key
            if len(rows(app2, "#payments-table")) == 2:
                break
            await pilot2.pause(0.02)
        await settle(pilot2)
        shown = rows(app2, "#payments-table")
        assert len(shown) == 2
        assert ["£0.20", "paid", "INV-2"] in [[r[1], r[2], r[5]] for r in shown]
        await pilot2.press("1")
        await settle(pilot2)
        assert "£10.30" in figures(app2)  # 10.10 + 0.20, exactly
        assert svc.figures.for_customer(customer).lifetime_value == Decimal("10.30")
