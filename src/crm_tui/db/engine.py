"""One engine per process, with the SQLite pragmas and write-transaction rules.

SQLite: the pysqlite driver's own transaction handling is switched off so we
emit BEGIN ourselves: plain BEGIN for reads, BEGIN IMMEDIATE for writes. A
deferred transaction that reads and then writes fails at once under WAL when
another writer got in first, whatever the busy timeout; an immediate one
waits its turn.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from crm_tui.db.connect import (
    BUSY_TIMEOUT_MS,
    PG_CONNECT_ARGS,
    sqlite_pragmas,
    sqlite_read_only,
)

BEGIN_TRY_MS = 2  # one try at the write lock; see _begin_immediate
WRITE_OPTION = "crm_write"
SQLITE_POOL_SIZE = 3


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    sqlite_pragmas(dbapi_connection)


def _sqlite_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(WRITE_OPTION):
        _begin_immediate(conn)
    else:
        conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Connection) -> None:
    """Take the write lock, waiting up to the busy timeout.

    SQLite's own busy handler backs off to 100 ms sleeps, so a writer that
    has waited a while polls far less often than one that just arrived and
    can be overtaken again and again: in a storm of 8 writers some waited
    3-4 s. Short tries with a few milliseconds of random sleep between them
    keep waiters on an equal footing (worst wait under 1 s). Only when the
    whole timeout passes does the caller see "database is locked".
    """
    raw: sqlite3.Connection = conn.connection.dbapi_connection  # type: ignore[assignment]
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    raw.execute(f"PRAGMA busy_timeout = {BEGIN_TRY_MS}")
    try:
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    break  # let the last try below raise it the usual way
            time.sleep(random.uniform(0.0005, 0.004))
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # last try; fails as SQLAlchemy's error
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def make_engine(url: str, *, echo: bool = False, read_only: bool = False) -> Engine:
    """Build the process's engine.

    `read_only` opens a SQLite file with `mode=ro` (nothing can write it,
    its journal mode is left as it is) and runs every PostgreSQL transaction
    READ ONLY. Whether the database should exist or be created is the
    caller's business (services.registry).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # Each kept connection holds its own page cache; more at once are
            # opened when needed and closed (cache freed) when handed back.
            pool_size=SQLITE_POOL_SIZE,
            **({"creator": _read_only_sqlite(parsed.database or "")} if read_only else {}),
        )
        event.listen(engine, "connect", _sqlite_on_connect_ro if read_only else _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        connect_args=PG_CONNECT_ARGS,  # nothing prepared implicitly (see db.connect)
        execution_options={"postgresql_readonly": True} if read_only else {},
    )


def _read_only_sqlite(path: str) -> Any:
    """A connect function opening `path` read-only (see db.connect.sqlite_read_only)."""

    def connect() -> sqlite3.Connection:
        return sqlite_read_only(path)

    return connect


def _sqlite_on_connect_ro(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """The read-write pragmas minus the journal mode: a reader never converts a file to WAL."""
    sqlite_pragmas(dbapi_connection, journal_mode=None)


class Database:
    """Hands out short sessions: one per user action, never shared."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session  # closing the session rolls the read transaction back

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits on success and rolls back on any error."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
