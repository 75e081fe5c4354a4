"""Account owners: a clerk's new customer is theirs; with owners-only on, a clerk changes
only their own (or unowned) customers, enforced by PostgreSQL's row-level security."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate, CustomerUpdate
from crm_tui.services.errors import CrmError, PermissionRefused
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services, open_services
from crm_tui.services.roles.owners import set_owners_only
from crm_tui.services.search import SearchFilters
from tests.conftest import PgTeam


@pytest.fixture
def team(pg_team: PgTeam) -> Iterator[dict[str, Services]]:
    """Services as each login, and a second clerk."""
    login = pg_team.new_login("clerk2")
    pg_team.admin(f'GRANT "{pg_team.database}_clerk" TO "{login}"')
    opened = {role: open_services(pg_team.settings(role)) for role in pg_team.logins}
    yield opened
    for svc in opened.values():
        svc.close()


def raw(team: PgTeam, role: str) -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(team.url(role))
    return psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )


def new(svc: Services, name: str, owner: str | None = None) -> int:
    return svc.customers.create(CustomerCreate(kind="individual", first_name=name, owner=owner)).id


def test_a_new_customer_belongs_to_whoever_added_it(
    pg_team: PgTeam, team: dict[str, Services]
) -> None:
    """On a team's database the owner defaults to the login; 'mine' finds them."""
    cid = new(team["clerk"], "Ada")
    assert team["clerk"].customers.get(cid).owner == pg_team.logins["clerk"]
    new(team["clerk2"], "Grace")
    mine = SearchFilters(owner=pg_team.logins["clerk"])
    rows = team["viewer"].search.search("", mine).rows
    assert [r.id for r in rows] == [cid]


def test_owners_only_limits_clerks_to_their_own(pg_team: PgTeam, team: dict[str, Services]) -> None:
    """With owners-only on, a clerk changes their own and unowned customers; another
    clerk's is refused naming its owner; a manager changes any."""
    clerk, clerk2, manager = team["clerk"], team["clerk2"], team["manager"]
    theirs = new(clerk2, "Grace")
    mine = new(clerk, "Ada")
    nobodys = new(manager, "Linus", owner="")
    manager.customers.update(nobodys, CustomerUpdate(owner=None), expected_version=1)
    clerk.customers.update(theirs, CustomerUpdate(first_name="Still open"), expected_version=1)
    set_owners_only(manager.ctx, True)
    fresh = open_services(pg_team.settings("clerk"))  # the limit is read at start
    try:
        assert fresh.ctx.permissions.owners_only
        assert not fresh.ctx.permissions.may_change(pg_team.logins["clerk2"])
        fresh.customers.update(mine, CustomerUpdate(first_name="Augusta"), expected_version=1)
        fresh.customers.update(nobodys, CustomerUpdate(first_name="L."), expected_version=2)
        with pytest.raises(PermissionRefused) as info:
            fresh.customers.update(theirs, CustomerUpdate(first_name="Eve"), expected_version=2)
        assert info.value.message == (
            f"As a clerk ({pg_team.logins['clerk']}) you change only the customers you own, "
            f"and C-{theirs:06d} is {pg_team.logins['clerk2']}'s; a manager can give it to you."
        )
        with pytest.raises(PermissionRefused):
            fresh.addresses.add(theirs, AddressCreate(line1="1 Road", city="X"))
    finally:
        fresh.close()
    manager.customers.update(theirs, CustomerUpdate(first_name="Gracie"), expected_version=2)
    assert manager.customers.get(theirs).first_name == "Gracie"


def test_row_level_security_holds_for_raw_connections(
    pg_team: PgTeam, team: dict[str, Services]
) -> None:
    """Without the app: the clerk's UPDATE of another's customer touches no row, and a note
    added to it is refused by PostgreSQL."""
    theirs = new(team["clerk2"], "Grace")
    set_owners_only(team["manager"].ctx, True)
    with raw(pg_team, "clerk") as conn:
        changed = conn.execute("UPDATE customer SET first_name = 'Eve' WHERE id = %s", (theirs,))
        assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO note (customer_id, type, title, body, done, pinned, visibility, "
                "author, created_at, version) "
                "VALUES (%s, 'note', 'x', '', false, false, 'internal', 'x', now(), 1)",
                (theirs,),
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor lift the limit
            conn.execute("UPDATE access_policy SET owners_only = false")
    assert team["viewer"].customers.get(theirs).first_name == "Grace"


def test_only_a_manager_sets_owners_only(pg_team: PgTeam, team: dict[str, Services]) -> None:
    """A clerk may not switch the limit; on SQLite there is nothing to switch."""
    with pytest.raises(PermissionRefused, match="that needs the manager role"):
        set_owners_only(team["clerk"].ctx, True)


def test_sqlite_has_no_owners_only(demo_services: Services) -> None:
    """A single-user file: the setting is refused with a sentence, and everyone may change all."""
    with pytest.raises(CrmError, match="shared PostgreSQL database"):
        set_owners_only(demo_services.ctx, True)
    assert demo_services.ctx.permissions.may_change("somebody else")


def test_clerk_imports_with_owners_only_on(
    pg_team: PgTeam, team: dict[str, Services], tmp_path: Path
) -> None:
    """With owners-only on (row-level security refuses COPY to a clerk), a clerk's import
    writes its customers, addresses, tags and search documents by plain INSERTs."""
    set_owners_only(team["manager"].ctx, True)
    path = tmp_path / "people.csv"
    path.write_text(
        "Name,Email,Street,City,Tags\n"
        "Ada Byron,ada@example.com,1 High St,Leeds,vip\n"
        "Alan Turing,alan@example.com,2 High St,York,\n",
        encoding="utf-8",
    )
    summary = ImportService(team["clerk"].ctx).run(path, refused_path=tmp_path / "r.csv")
    assert (summary.created, summary.refused) == (2, 0)
    (row,) = team["viewer"].search.search("turing").rows
    assert row.email == "alan@example.com"
    assert [a.city for a in team["viewer"].addresses.list(row.id)] == ["York"]
