"""Roles PostgreSQL enforces: viewer reads, clerk changes customers, manager does everything.

Each test runs on a throwaway database with `crm db roles install` run and
one real login per role (the `pg_team` fixture drops them all after).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.errors import NotFound, PermissionRefused
from crm_tui.services.imports.service import ImportService
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services, open_services
from crm_tui.services.roles import Capability, Permissions, Role
from crm_tui.services.roles.grants import grant_problems
from crm_tui.services.roles.install import (
    RolesUnavailable,
    grant_role,
    install_roles,
    revoke_roles,
    role_members,
)
from tests.conftest import PgTeam


@pytest.fixture
def seeded(pg_team: PgTeam) -> int:
    """One customer, made by the manager; its id."""
    svc = open_services(pg_team.settings("manager"))
    try:
        return svc.customers.create(
            CustomerCreate(kind="individual", first_name="Ada", last_name="Lovelace",
                           email="ada@example.com")
        ).id  # fmt: skip
    finally:
        svc.close()


def raw(team: PgTeam, role: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain psycopg connection as the login: no app, no checks of ours."""
    url = make_url(team.url(role))
    return psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )


def customer_names(team: PgTeam) -> list[str]:
    engine = create_engine(team.admin_url)
    try:
        with engine.connect() as conn:
            return [
                str(n) for n in conn.scalars(text("SELECT first_name FROM customer ORDER BY id"))
            ]
    finally:
        engine.dispose()


def test_each_login_reads_its_role(pg_team: PgTeam, as_role: dict[str, Services]) -> None:
    """The services know each login's role; the superuser that installed them is a manager."""
    for role, svc in as_role.items():
        permissions = svc.ctx.permissions
        assert permissions == Permissions(pg_team.logins[role], Role(role))
    admin = open_services(Settings(database_url=pg_team.admin_url, clerk="admin"))
    try:
        assert admin.ctx.permissions.role is Role.MANAGER
        assert admin.ctx.permissions.enforced
    finally:
        admin.close()


def test_sqlite_and_uninstalled_postgres_allow_everything(db_url: str) -> None:
    """A SQLite file is single-user; a PostgreSQL database without the roles works as before."""
    svc = open_services(Settings(database_url=db_url, clerk="t"))
    try:
        assert not svc.ctx.permissions.enforced
        assert all(svc.ctx.permissions.allows(c) for c in Capability)
    finally:
        svc.close()


def test_viewer_reads_but_every_change_is_refused(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services]
) -> None:
    """A viewer sees customers; creating or editing one is refused with the role's sentence."""
    viewer = as_role["viewer"]
    assert viewer.customers.get(seeded).first_name == "Ada"
    login = pg_team.logins["viewer"]
    expected = f"As a viewer ({login}) you cannot change customers; that needs the clerk role."
    with pytest.raises(PermissionRefused) as info:
        viewer.customers.create(CustomerCreate(kind="individual", first_name="Eve"))
    assert info.value.message == expected
    with pytest.raises(PermissionRefused):
        viewer.customers.update(seeded, CustomerUpdate(first_name="Eve"), expected_version=1)
    assert customer_names(pg_team) == ["Ada"]


def test_clerk_changes_customers_but_not_erase_merge_or_settings(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services]
) -> None:
    """A clerk edits and adds customers and tags them; erase, merge and settings need a manager."""
    clerk = as_role["clerk"]
    clerk.customers.update(seeded, CustomerUpdate(first_name="Augusta"), expected_version=1)
    other = clerk.customers.create(
        CustomerCreate(kind="individual", first_name="Grace", tags=["vip"])
    ).id
    login = pg_team.logins["clerk"]
    refusals: dict[str, Callable[[], object]] = {
        "erase customers": lambda: clerk.customers.erase(seeded, confirm=f"C-{seeded:06d}"),
        "merge customers": lambda: MergeService(clerk.ctx).merge([seeded, other], keep=seeded),
        "change settings (segments, tag names, billing groups, exchange rates)": lambda: (
            clerk.segments.create("Gold")
        ),
    }
    for what, action in refusals.items():
        with pytest.raises(PermissionRefused) as info:
            action()
        assert info.value.message == (
            f"As a clerk ({login}) you cannot {what}; that needs the manager role."
        )
    with pytest.raises(PermissionRefused):
        clerk.billing_groups.create("North")
    tag = clerk.tags.list()[0]
    with pytest.raises(PermissionRefused):
        clerk.tags.rename(tag.id, "gold")
    assert customer_names(pg_team) == ["Augusta", "Grace"]


def test_manager_does_everything(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services]
) -> None:
    """A manager erases, makes segments and billing groups."""
    manager = as_role["manager"]
    manager.segments.create("Gold")
    manager.billing_groups.create("North")
    result = manager.customers.erase(seeded, confirm=f"C-{seeded:06d}")
    assert result.erased == (seeded,)


def test_person_export_needs_a_manager(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services], tmp_path: Path
) -> None:
    """Everything held about a person goes out only to a manager."""
    from crm_tui.services.exports.person import write_person_json

    with pytest.raises(PermissionRefused, match="export everything held about a person"):
        write_person_json(as_role["clerk"].ctx, seeded, tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()
    write_person_json(as_role["manager"].ctx, seeded, tmp_path / "m.json")
    assert "Lovelace" in (tmp_path / "m.json").read_text()


def test_clerk_imports_up_to_a_thousand_rows(
    pg_team: PgTeam, as_role: dict[str, Services], tmp_path: Path
) -> None:
    """An import over 1,000 rows is refused to a clerk before a row is written; small ones pass."""
    big, small = tmp_path / "big.csv", tmp_path / "small.csv"
    for path, count in ((big, 1001), (small, 3)):
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["First name", "Last name", "Email"])
            for i in range(count):
                writer.writerow([f"Row{i}", "Import", f"row{i}@example.com"])
    clerk = as_role["clerk"]
    with pytest.raises(PermissionRefused, match="import more than 1,000 rows at once"):
        ImportService(clerk.ctx).run(big)
    assert customer_names(pg_team) == []
    assert ImportService(clerk.ctx).run(small).created == 3


def test_database_refuses_what_slips_past_the_app(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services]
) -> None:
    """A clerk's app that wrongly believes it may erase meets PostgreSQL's guard; the
    refusal reads like the app's own sentence."""
    clerk = as_role["clerk"]
    fooled = replace(clerk.ctx, permissions=Permissions.unrestricted(pg_team.logins["clerk"]))
    from crm_tui.services.customers.erase import erase_customer

    with pytest.raises(PermissionRefused) as info:
        erase_customer(fooled, seeded)
    login = pg_team.logins["clerk"]
    assert info.value.message == (
        f"As a clerk ({login}) you cannot erase customers; that needs the manager role."
    )
    assert customer_names(pg_team) == ["Ada"]


def test_a_role_taken_away_meanwhile_is_named_in_the_refusal(
    pg_team: PgTeam, seeded: int, as_role: dict[str, Services]
) -> None:
    """The clerk is made a viewer while their app is open: their next save is refused
    by PostgreSQL and the sentence names the role they hold now."""
    clerk = as_role["clerk"]
    engine = create_engine(pg_team.admin_url)
    try:
        grant_role(engine, pg_team.logins["clerk"], Role.VIEWER)
    finally:
        engine.dispose()
    with pytest.raises(PermissionRefused) as info:
        clerk.customers.update(seeded, CustomerUpdate(first_name="Eve"), expected_version=1)
    assert info.value.message.startswith(f"As a viewer ({pg_team.logins['clerk']})")
    assert customer_names(pg_team) == ["Ada"]


def test_raw_connections_are_refused_by_postgresql(pg_team: PgTeam, seeded: int) -> None:
    """Without the app: a viewer cannot write, a clerk cannot erase, merge or rewrite history."""
    with raw(pg_team, "viewer") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE customer SET first_name = 'Eve'")
    with raw(pg_team, "clerk") as conn:
        conn.execute("UPDATE customer SET first_name = 'Augusta'")  # allowed
        for statement in (
            "UPDATE customer SET erased_at = now()",
            "UPDATE customer SET merged_into_id = id",
            "DELETE FROM change_history",
            "DELETE FROM customer",
            "UPDATE tag SET name = 'x'",
            "INSERT INTO segment (name, kind, description) VALUES ('x', 'static', '')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert customer_names(pg_team) == ["Augusta"]


def test_check_reports_missing_and_excess_grants(pg_team: PgTeam) -> None:
    """`db check` finds a grant taken away and one given beyond the role, and a manager who
    may not make check's scratch schema; install mends them."""
    engine = create_engine(pg_team.admin_url)
    try:
        with engine.connect() as conn:
            assert grant_problems(conn) == []
        database = pg_team.database
        pg_team.admin(f'REVOKE INSERT ON note FROM "{database}_clerk"')
        pg_team.admin(f'GRANT UPDATE ON customer TO "{database}_viewer"')
        pg_team.admin(f'REVOKE CREATE ON DATABASE "{database}" FROM "{database}_manager"')
        with engine.connect() as conn:
            problems = grant_problems(conn)
        assert (
            f"The manager role ({database}_manager) may not create the scratch schema that "
            "`crm db check` and `crm db repair` compare the schema in; `crm db roles install` "
            "sets the grants again."
        ) in problems, problems
        assert any(
            p.startswith(f"The clerk role ({database}_clerk) lacks INSERT on note")
            for p in problems
        ), problems
        assert any(
            f"The viewer role ({database}_viewer) may UPDATE on customer" in p for p in problems
        ), problems
        install_roles(engine)
        with engine.connect() as conn:
            assert grant_problems(conn) == []
    finally:
        engine.dispose()


def test_grant_revoke_and_list(pg_team: PgTeam) -> None:
    """A login holds one role at a time; revoking leaves it none; unknown logins are named."""
    engine = create_engine(pg_team.admin_url)
    try:
        login = pg_team.logins["viewer"]
        assert (
            grant_role(engine, login, Role.CLERK)
            == f"{login} is now a clerk on {pg_team.database}."
        )
        held = {m.login: m.role for m in role_members(engine)}
        assert held[login] is Role.CLERK
        assert revoke_roles(engine, login) == f"{login} is no longer a clerk on {pg_team.database}."
        assert login not in {m.login for m in role_members(engine)}
        with pytest.raises(NotFound, match="has no login called ghost_login"):
            grant_role(engine, "ghost_login", Role.VIEWER)
    finally:
        engine.dispose()
    with pytest.raises(PermissionRefused, match="has no crm role on this database"):
        open_services(pg_team.settings("viewer"), "read")  # it connects, but may read nothing


def test_a_clerk_cannot_install_roles(pg_team: PgTeam) -> None:
    """Managing roles needs the administrator; a clerk gets one sentence saying so."""
    engine = create_engine(pg_team.url("clerk"))
    try:
        with pytest.raises(RolesUnavailable, match="CREATEROLE"):
            grant_role(engine, pg_team.logins["viewer"], Role.MANAGER)
    finally:
        engine.dispose()
