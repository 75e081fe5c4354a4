"""The app as a viewer, a clerk and a manager on a PostgreSQL with the roles installed.

What a role may not do leaves the footer and the palette and, reached
another way, is refused with the role's sentence; a write PostgreSQL
refuses anyway (the role changed while the app was open) is shown as the
same kind of sentence, never a traceback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine
from textual.pilot import Pilot

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services, open_services
from crm_tui.services.roles import Role
from crm_tui.services.roles.install import grant_role
from crm_tui.ui.app import CrmApp
from crm_tui.ui.flows.tools import open_merge
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.conftest import PgTeam
from tests.ui.conftest import settle

SIZE = (100, 30)


@pytest.fixture
def customer_id(pg_team: PgTeam) -> int:
    svc = open_services(pg_team.settings("manager"))
    try:
        return svc.customers.create(
            CustomerCreate(kind="individual", first_name="Ada", last_name="Lovelace")
        ).id
    finally:
        svc.close()


@asynccontextmanager
async def app_on(svc: Services, customer_id: int | None = None) -> AsyncIterator[Pilot[Any]]:
    async with CrmApp(svc, open_customer_id=customer_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield pilot


def shown(pilot: Pilot[Any]) -> set[str]:
    return {b.binding.description for b in pilot.app.screen.active_bindings.values()}


def badge(pilot: Pilot[Any]) -> str | None:
    return pilot.app.screen.query_one(CrmFooter).badge


def notices(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


async def test_viewer_sees_no_write_keys_and_is_told_why(
    pg_team: PgTeam, customer_id: int, as_role: dict[str, Services]
) -> None:
    """A viewer's list and detail have no New, Add, Edit or Status; reached another way,
    a change is refused naming the role."""
    viewer = as_role["viewer"]
    async with app_on(viewer) as pilot:
        assert isinstance(pilot.app.screen, CustomerListScreen)
        await pilot.press("down")  # from the search box to the rows
        assert {"New", "Add", "Bulk"}.isdisjoint(shown(pilot))
        assert badge(pilot) == "viewer"
        await pilot.press("a")
        assert isinstance(pilot.app.screen, CustomerListScreen)
    async with app_on(viewer, customer_id) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CustomerDetailScreen)
        assert {"Edit", "Status", "New"}.isdisjoint(shown(pilot))
        screen.edit_customer()  # the palette's way in
        await pilot.pause()
        login = pg_team.logins["viewer"]
        assert f"As a viewer ({login}) you cannot change customers; that needs the clerk role." in (
            notices(pilot)
        )


async def test_clerk_changes_customers_but_not_segments_or_merge(
    pg_team: PgTeam, customer_id: int, as_role: dict[str, Services]
) -> None:
    """A clerk changes a customer's status from the detail screen; hand-picked segments
    and merge are gone from keys and palette and refused when reached."""
    clerk = as_role["clerk"]
    async with app_on(clerk, customer_id) as pilot:
        assert badge(pilot) == "clerk"
        assert {"Edit", "Status"} <= shown(pilot)
        assert "Segments" not in shown(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChoiceModal)
        await pilot.press("enter")  # Deactivate
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("y")
        await settle(pilot)
        assert clerk.customers.get(customer_id).status == "inactive"
        open_merge(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        login = pg_team.logins["clerk"]
        assert f"As a clerk ({login}) you cannot merge customers; that needs the manager role." in (
            notices(pilot)
        )


async def test_manager_has_every_key(customer_id: int, as_role: dict[str, Services]) -> None:
    """A manager's footer carries no badge and the detail screen offers segments."""
    async with app_on(as_role["manager"], customer_id) as pilot:
        assert badge(pilot) is None
        screen = pilot.app.screen
        assert isinstance(screen, CustomerDetailScreen)
        assert screen.check_action("segments", ())


async def test_a_refusal_by_postgresql_is_a_sentence(
    pg_team: PgTeam, customer_id: int, as_role: dict[str, Services]
) -> None:
    """The clerk is made a viewer while the app is open: the app still offers the change,
    PostgreSQL refuses it, and the notice names the role held now."""
    clerk = as_role["clerk"]
    async with app_on(clerk, customer_id) as pilot:
        engine = create_engine(pg_team.admin_url)
        try:
            grant_role(engine, pg_team.logins["clerk"], Role.VIEWER)
        finally:
            engine.dispose()
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, failures_expected=True)
        login = pg_team.logins["clerk"]
        assert f"As a viewer ({login}) you cannot change customers; that needs the clerk role." in (
            notices(pilot)
        )
        assert not any("Traceback" in n or "psycopg" in n for n in notices(pilot))
    assert as_role["manager"].customers.get(customer_id).status == "active"


async def test_history_shows_the_login_and_the_clerk_name(
    pg_team: PgTeam, customer_id: int, as_role: dict[str, Services]
) -> None:
    """The History tab's Who is the database login, with the clerk's configured name beside it."""
    as_role["clerk"].customers.deactivate(customer_id)
    async with app_on(as_role["viewer"], customer_id) as pilot:
        await pilot.press("6")
        await settle(pilot)
        table = pilot.app.screen.query_one("#history-table", FittedTable)
        who = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert f"{pg_team.logins['clerk']} (clerk desk)" in who
        assert f"{pg_team.logins['manager']} (manager desk)" in who


async def test_mine_and_owners_only(pg_team: PgTeam, as_role: dict[str, Services]) -> None:
    """`m` on the list keeps the clerk's own customers (again: everyone's); with
    owners-only on, another clerk's customer opens without Edit or Status, and a change
    reached another way is refused naming its owner."""
    from crm_tui.services.roles.owners import set_owners_only

    manager, clerk = as_role["manager"], as_role["clerk"]
    theirs = manager.customers.create(CustomerCreate(kind="individual", first_name="Theirs")).id
    clerk.customers.create(CustomerCreate(kind="individual", first_name="Mine"))
    set_owners_only(manager.ctx, True)
    limited = open_services(pg_team.settings("clerk"))
    try:
        async with app_on(limited) as pilot:
            await pilot.press("down")
            assert "Mine" in shown(pilot)
            await pilot.press("m")
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, CustomerListScreen)
            assert screen.filters.owner == pg_team.logins["clerk"]
            assert screen.table.row_count == 1
            await pilot.press("m")
            await settle(pilot)
            assert screen.table.row_count == 2
        async with app_on(limited, theirs) as pilot:
            detail = pilot.app.screen
            assert isinstance(detail, CustomerDetailScreen)
            assert {"Edit", "Status"}.isdisjoint(shown(pilot))
            detail.edit_customer()
            await pilot.pause()
            owner = pg_team.logins["manager"]
            assert any(f"is {owner}'s; a manager can give it to you" in n for n in notices(pilot))
    finally:
        limited.close()
