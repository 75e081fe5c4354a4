"""Live screens: a change another clerk commits appears on open screens without a key.

PostgreSQL: two apps as two real logins (LISTEN/NOTIFY). SQLite: a second
process's services write the file (PRAGMA data_version polling).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressUpdate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.registry import open_services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.detail.forms import address_form, note_form
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.conftest import PgTeam
from tests.ui.conftest import settle

SIZE = (100, 30)
WITHIN_S = 1.0


def title(pilot: Pilot[Any]) -> str:
    content = pilot.app.screen.query_one("#header-title", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def appears(pilot: Pilot[Any], seen: Callable[[], bool], limit: float = 5.0) -> float:
    """Seconds until `seen()` holds on screen (no key pressed); fails after `limit`."""
    started = time.monotonic()
    while not seen():
        assert time.monotonic() - started < limit, "the change never appeared"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_two_logins_see_each_others_changes(pg_team: PgTeam) -> None:
    """Two apps as two logins on one customer: the clerk deactivates it in their app, then
    records a payment; both appear on the manager's detail screen within a second, with
    no key pressed there."""
    manager, clerk = (
        open_services(pg_team.settings("manager")),
        open_services(pg_team.settings("clerk")),
    )
    cid = manager.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
    try:
        watching = CrmApp(manager, open_customer_id=cid)
        editing = CrmApp(clerk, open_customer_id=cid)
        async with (
            watching.run_test(size=SIZE) as eyes,
            editing.run_test(size=SIZE) as hands,
        ):
            await settle(eyes)
            await settle(hands)
            assert isinstance(watching.screen, CustomerDetailScreen)
            assert "ACTIVE" in title(eyes)
            await hands.press("s")  # the clerk: Status, Deactivate, yes
            await settle(hands)
            await hands.press("enter")
            await settle(hands)
            await hands.press("y")
            started = time.monotonic()
            await settle(hands)
            took = await appears(eyes, lambda: "INACTIVE" in title(eyes))
            assert time.monotonic() - started < WITHIN_S + 0.5, took
            await eyes.press("4")  # the Payments tab
            await settle(eyes)
            clerk.billing.record_payment(
                cid, PaymentCreate(amount=Decimal("12.50"), currency="GBP", status="paid")
            )

            def paid() -> bool:
                table = watching.screen.query_one("#payments-table", FittedTable)
                return any("12.50" in str(table.get_row_at(i)) for i in range(table.row_count))

            took = await appears(eyes, paid)
            assert took < WITHIN_S, took
    finally:
        manager.close()
        clerk.close()


async def test_sqlite_list_shows_a_new_customer_added_elsewhere(
    sqlite_settings: Settings,
) -> None:
    """On a SQLite file the list polls: another connection's new customer appears."""
    svc, other = open_services(sqlite_settings), open_services(sqlite_settings)
    try:
        svc.customers.create(CustomerCreate(kind="individual", first_name="Ada", last_name="A"))
        app = CrmApp(svc)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CustomerListScreen)
            assert screen.table.row_count == 1
            other.customers.create(
                CustomerCreate(kind="individual", first_name="Bo", last_name="B")
            )
            took = await appears(pilot, lambda: screen.table.row_count == 2)
            assert took < WITHIN_S, took
    finally:
        svc.close()
        other.close()


async def test_edit_form_says_at_once_when_the_customer_changed(
    sqlite_settings: Settings,
) -> None:
    """The wizard open on a customer says, before any save, that someone else changed it."""
    svc, other = (
        open_services(sqlite_settings),
        open_services(Settings(database_url=sqlite_settings.database_url, clerk="front desk")),
    )
    try:
        cid = svc.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
        app = CrmApp(svc)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.edit_customer(cid)
            await settle(pilot)
            assert isinstance(app.screen, CustomerWizardScreen)
            other.customers.update(cid, CustomerUpdate(last_name="Byron"), expected_version=1)
            status = app.screen.query_one("#wizard-status", Static)

            def warned() -> bool:
                return "just changed this customer (last name)" in str(status.content)

            took = await appears(pilot, warned)
            assert took < WITHIN_S, took
            assert "tester (front desk) just changed" in str(status.content)
    finally:
        svc.close()
        other.close()


async def test_child_edit_forms_say_when_their_row_changed_or_went(
    sqlite_settings: Settings,
) -> None:
    """An address open in its edit form says, before any save, that another clerk changed
    it, naming the fields; a change to another row of the same customer says nothing; a
    removed note says it is gone."""
    svc, other = (
        open_services(sqlite_settings),
        open_services(Settings(database_url=sqlite_settings.database_url, clerk="front desk")),
    )
    try:
        cid = svc.customers.create(
            CustomerCreate(
                kind="individual",
                first_name="Ada",
                addresses=[
                    AddressCreate(line1="1 Main St", city="Leeds", country="GB"),
                    AddressCreate(kind="shipping", line1="2 Dock Rd", city="Hull", country="GB"),
                ],
                notes=[NoteCreate(title="Call back")],
            )
        ).id
        billing, shipping = svc.addresses.list(cid)
        app = CrmApp(svc)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(address_form(svc, cid, billing))
            await settle(pilot)
            status = app.screen.query_one("#form-error", Static)
            other.addresses.update(
                shipping.id, AddressUpdate(city="York"), expected_version=shipping.version
            )
            await asyncio.sleep(1.5)  # the feed reports it; this form's row did not change
            assert str(status.content) == ""
            other.addresses.update(
                billing.id, AddressUpdate(city="Bath"), expected_version=billing.version
            )
            took = await appears(pilot, lambda: "just changed this address" in str(status.content))
            assert took < WITHIN_S, took
            assert str(status.content).startswith("tester (front desk) just changed this address")
            assert "(city)" in str(status.content)
            app.screen.dismiss(False)
            await settle(pilot)
            (note,) = svc.notes.list(cid)
            app.push_screen(note_form(svc, cid, note))
            await settle(pilot)
            status = app.screen.query_one("#form-error", Static)
            other.notes.remove(note.id)
            await appears(pilot, lambda: "just removed this note" in str(status.content))
    finally:
        svc.close()
        other.close()
