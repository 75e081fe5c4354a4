"""Tables a migration adds are the roles' at once, with the grants each role needs.

A database whose roles were installed at revision 0011 (when roles came) is
migrated to head by the app, as its owner would on upgrading crm-tui. Every
table added since (the owners' settings, search words, import runs, the
dashboard's figures of 0016-0020, and any a later migration adds) must
then hold exactly the grants services/roles/grants.py gives it: a table
left without grants is a clerk's error on the first screen that reads it.
Real logins on a real PostgreSQL; the database and roles are dropped after.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from crm_tui.config import Settings
from crm_tui.db import migrate
from crm_tui.services.billing.inputs import SubscriptionCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services
from crm_tui.services.roles import Role
from crm_tui.services.roles.grants import PRIVILEGES, grant_problems, place
from crm_tui.services.roles.install import grant_role, install_roles
from tests.conftest import ROLES, PgServer, PgTeam

ROLES_CAME = "0011"
ALL = set(PRIVILEGES)
# The tables of migrations 0016-0020, and what each role may do on them.
NEW_TABLES = {
    "import_run": {"viewer": {"SELECT"}, "clerk": {"SELECT", "INSERT"}, "manager": ALL},
    # kept by triggers on subscription that run as the clerk who changes one
    "dashboard_income": {"viewer": {"SELECT"}, "clerk": ALL, "manager": ALL},
    "activity_span": {"viewer": {"SELECT"}, "clerk": ALL, "manager": ALL},
    "dashboard_active": {"viewer": {"SELECT"}, "clerk": ALL, "manager": ALL},
}


@pytest.fixture
def old_team(pg_server: PgServer) -> Iterator[tuple[PgTeam, frozenset[str]]]:
    """A database at revision 0011 with the roles installed and a login per role; the
    tables it had then."""
    name = pg_server.create(from_template=False)
    team = PgTeam(name, pg_server.url_for(name), {}, pg_server)
    try:
        for role in ROLES:
            team.new_login(role)
        engine = create_engine(team.admin_url)
        try:
            migrate.upgrade(engine, ROLES_CAME)
            install_roles(engine)
            for role in ROLES:
                grant_role(engine, team.logins[role], Role(role))
            with engine.connect() as conn:
                tables = frozenset(place(conn).tables)
        finally:
            engine.dispose()
        yield team, tables
    finally:
        pg_server.drop(name)
        for role in [*team.logins.values(), *(f"{name}_{r}" for r in ROLES)]:
            pg_server._exec(f'DROP ROLE IF EXISTS "{role}"')


def _held(engine: Engine, group: str, table: str) -> set[str]:
    with engine.connect() as conn:
        return {
            p
            for p in PRIVILEGES
            if conn.scalar(
                text("SELECT has_table_privilege(:g, :t, :p)"), {"g": group, "t": table, "p": p}
            )
        }


def test_tables_a_migration_adds_get_their_grants(old_team: tuple[PgTeam, frozenset[str]]) -> None:
    team, before = old_team
    open_services(Settings(database_url=team.admin_url, clerk="admin")).close()  # migrates
    engine = create_engine(team.admin_url)
    try:
        with engine.connect() as conn:
            added = set(place(conn).tables) - before
            assert set(NEW_TABLES) <= added, added
            assert grant_problems(conn) == []  # every table, whichever migration added it
        for table, wanted in NEW_TABLES.items():
            for role, privileges in wanted.items():
                assert _held(engine, f"{team.database}_{role}", table) == privileges, (table, role)
    finally:
        engine.dispose()

    clerk = open_services(team.settings("clerk"))  # its work writes the dashboard's tables
    try:
        cid = clerk.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
        clerk.billing.add_subscription(
            cid, SubscriptionCreate(product="Fibre", monthly_amount="30", start_date="2025-12-01")
        )
    finally:
        clerk.close()
    viewer = create_engine(team.url("viewer"))
    try:
        with viewer.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM activity_span")) == 1
    finally:
        viewer.dispose()
    manager = create_engine(team.url("manager"))  # not the owner; compares the schema too
    try:
        assert check_database(manager, full=True).problems == []
    finally:
        manager.dispose()
