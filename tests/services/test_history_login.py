"""Who changed it: the database login (PostgreSQL's session_user, set by the database),
with the clerk name from the app's settings beside it; on SQLite the OS login."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate, NoteCreate
from crm_tui.services.history import who
from crm_tui.services.registry import Services, open_services
from tests.conftest import PgTeam


def test_history_records_the_login_and_the_clerk_name(services: Services, db_url: str) -> None:
    """Each row says which login made it (the OS login on SQLite, the database login on
    PostgreSQL) and the clerk name the app was configured with."""
    cid = services.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
    services.notes.add(cid, NoteCreate(title="Called"))
    expected = "tester" if db_url.startswith("sqlite") else make_url(db_url).username
    entries = services.history.for_customer(cid)
    assert entries and {(e.login, e.actor) for e in entries} == {(expected, "tester")}


def test_postgresql_writes_session_user_whatever_the_client_sends(
    pg_team: PgTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's app configured as someone else, and a raw INSERT naming someone else:
    the database still records the clerk's own login."""
    monkeypatch.setenv("LOGNAME", "mallory")  # what the client would send
    clerk = open_services(pg_team.settings("clerk"))
    try:
        cid = clerk.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
        clerk.customers.update(cid, CustomerUpdate(first_name="Augusta"), expected_version=1)
        login = pg_team.logins["clerk"]
        entries = clerk.history.for_customer(cid)
        assert {e.login for e in entries} == {login}
        assert entries[0].who == f"{login} (clerk desk)"
    finally:
        clerk.close()
    url = make_url(pg_team.url("clerk"))
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(
            "INSERT INTO change_history (customer_id, entity, entity_id, action, field, "
            "version, actor, login, changed_at) "
            "VALUES (%s, 'customer', %s, 'update', 'x', 9, 'boss', 'boss', now())",
            (cid, cid),
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE change_history SET login = 'boss'")
    engine = create_engine(pg_team.admin_url)
    try:
        with engine.begin() as conn:  # even the owner cannot rewrite who did it
            conn.execute(text("UPDATE change_history SET login = 'boss'"))
            logins = set(conn.scalars(text("SELECT login FROM change_history")))
    finally:
        engine.dispose()
    assert logins == {login}


def test_who_reads_well() -> None:
    """The clerk name is said beside the login only when it adds something."""
    assert who("alice", "front desk") == "alice (front desk)"
    assert who("alice", "alice") == "alice"
    assert who("", "front desk") == "front desk"  # rows from before logins were recorded
    assert who("alice", "") == "alice"


def test_sqlite_login_is_the_os_login(
    services: Services, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the login is the operating system's (LOGNAME here), not the clerk name."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL records its own login (see above)")
    monkeypatch.setenv("LOGNAME", "os-user")
    cid = services.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
    assert {e.who for e in services.history.for_customer(cid)} == {"os-user (tester)"}
