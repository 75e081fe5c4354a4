"""Shared fixtures: hermetic paths, and a migrated database on SQLite and PostgreSQL.

Every data-layer test that takes `services` (or `db_url`) runs twice: on a
SQLite file in tmp_path and on a throwaway PostgreSQL database. Both are
copies of a template migrated once per test session, so each test starts from
the schema users get, indexes and triggers included.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.config import Settings
from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services, open_services

PG_ADMIN_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def hermetic_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point platformdirs (and HOME) at tmp_path; forget any database URL from the shell."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.setenv("CRM_CLERK", "tester")
    # The OS login the change history records on SQLite (getpass reads LOGNAME
    # first): the same on every machine, and equal to the clerk name.
    monkeypatch.setenv("LOGNAME", "tester")


def _pg_admin_url() -> str:
    return os.environ.get("CRM_TEST_PG_URL") or PG_ADMIN_DEFAULT


def _pg_available() -> str | None:
    """None when a server answers, else the reason it does not."""
    try:
        engine = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to reach the server
        return f"PostgreSQL not reachable at {make_url(_pg_admin_url()).render_as_string(hide_password=True)}: {exc.__class__.__name__}"
    return None


class PgServer:
    """Creates throwaway databases from one migrated template."""

    def __init__(self) -> None:
        self.admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        self.template = f"crm_test_tmpl_{uuid.uuid4().hex[:10]}"
        self._exec(f'CREATE DATABASE "{self.template}"')
        engine = make_engine(self.url_for(self.template))
        migrate.upgrade(engine)
        engine.dispose()

    def url_for(self, name: str) -> str:
        return make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)

    def _exec(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self, *, from_template: bool = True) -> str:
        name = f"crm_test_{uuid.uuid4().hex[:12]}"
        template = f' TEMPLATE "{self.template}"' if from_template else ""
        self._exec(f'CREATE DATABASE "{name}"{template}')
        return name

    def drop(self, name: str) -> None:
        self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    reason = _pg_available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL: {reason}")
        pytest.skip(reason)
    server = PgServer()
    yield server
    server.close()


ROLES = ("viewer", "clerk", "manager")


@dataclass(frozen=True)
class PgTeam:
    """A migrated PostgreSQL database with the crm roles installed, and one login per role."""

    database: str
    admin_url: str
    logins: dict[str, str]  # role -> login name
    server: PgServer

    def url(self, role: str) -> str:
        """The database URL as the login holding `role` (or any login name)."""
        login = self.logins.get(role, role)
        parsed = make_url(self.admin_url).set(username=login, password=None)
        return parsed.render_as_string(hide_password=False)

    def settings(self, role: str) -> Settings:
        """Settings as that login, with a clerk name of its own (`viewer desk`)."""
        return Settings(database_url=self.url(role), clerk=f"{role} desk", default_region="GB")

    def admin(self, sql: str) -> None:
        """Run one statement in the team's database as the administrator."""
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def new_login(self, name: str) -> str:
        """One more throwaway login (dropped with the team)."""
        login = f"{self.database}_as_{name}"
        self.server._exec(f'CREATE ROLE "{login}" LOGIN')
        self.logins[name] = login
        return login


@pytest.fixture
def pg_team(pg_server: PgServer) -> Iterator[PgTeam]:
    """A throwaway database with `crm db roles install` run and a viewer, a clerk and a
    manager login granted; the database, every login and the group roles are dropped after."""
    from crm_tui.services.roles import Role
    from crm_tui.services.roles.install import grant_role, install_roles

    name = pg_server.create()
    team = PgTeam(name, pg_server.url_for(name), {}, pg_server)
    try:
        for role in ROLES:
            team.new_login(role)
        # Opened once for writing as the app would (records the reporting currency).
        open_services(Settings(database_url=team.admin_url, clerk="admin")).close()
        engine = create_engine(team.admin_url)
        try:
            install_roles(engine)
            for role in ROLES:
                grant_role(engine, team.logins[role], Role(role))
        finally:
            engine.dispose()
        yield team
    finally:
        pg_server.drop(name)
        for role in [*team.logins.values(), *(f"{name}_{r}" for r in ROLES)]:
            pg_server._exec(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def as_role(pg_team: PgTeam) -> Iterator[dict[str, Services]]:
    """Services opened as each login of `pg_team` (viewer, clerk, manager)."""
    opened = {role: open_services(pg_team.settings(role)) for role in pg_team.logins}
    yield opened
    for svc in opened.values():
        svc.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated database URL; the test runs once per engine."""
    if request.param == "sqlite":
        target = tmp_path / "crm.sqlite3"
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create()
    try:
        yield server.url_for(name)
    finally:
        server.drop(name)


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An unmigrated database on the same engine as `db_url` would be (SQLite only by default)."""
    yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each engine; PostgreSQL's is dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create(from_template=False)
    try:
        yield server.url_for(name)
    finally:
        server.drop(name)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, clerk="tester", default_region="GB")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = open_services(settings)
    yield svc
    svc.close()


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    """SQLite only: for UI and CLI tests that need not run on both engines."""
    target = tmp_path / "ui.sqlite3"
    shutil.copy(sqlite_template, target)
    return Settings(database_url=f"sqlite:///{target}", clerk="tester", default_region="GB")


DEMO_AS_OF = date(2026, 1, 15)


@pytest.fixture
def demo_settings(sqlite_settings: Settings) -> Settings:
    """SQLite with 60 seeded demo customers, dated relative to 2026-01-15 (stable for snapshots).

    Without the demo's invoices: tests that bill issue their own, numbered from 1."""
    svc = open_services(sqlite_settings)
    DemoBuilder(svc.ctx, seed=7, as_of=DEMO_AS_OF, invoices=False).run(60)
    svc.close()
    return sqlite_settings


@pytest.fixture
def demo_services(demo_settings: Settings) -> Iterator[Services]:
    svc = open_services(demo_settings)
    yield svc
    svc.close()


RefusalCheck = Callable[[Callable[[], object], str, str], ValidationError]


@pytest.fixture
def assert_refused(services: Services) -> RefusalCheck:
    """check(action, field, words): the action is refused naming `field` (and `words`) in
    one sentence, and not one row of any table changes."""

    def dump() -> dict[str, list[tuple[object, ...]]]:
        out: dict[str, list[tuple[object, ...]]] = {}
        with services.ctx.db.engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                query = select(table).order_by(*table.primary_key.columns)
                out[table.name] = [tuple(row) for row in conn.execute(query)]
        return out

    def check(action: Callable[[], object], field: str, words: str) -> ValidationError:
        before = dump()
        with pytest.raises(ValidationError) as info:
            action()
        exc = info.value
        assert exc.field == field, (exc.field, exc.message)
        assert words.lower() in exc.message.lower(), exc.message
        assert "\n" not in exc.message and exc.message.endswith("."), exc.message
        assert not re.search(r"[.!?]\s+[A-Z]", exc.message[:-1].replace("e.g.", "eg")), exc.message
        assert dump() == before
        return exc

    return check
