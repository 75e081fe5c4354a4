"""Running compiled statements without SQLAlchemy: the lean read paths' common part.

`crm lookup` (search.lean) and `crm show` (card.lean) spent most of their
time importing SQLAlchemy and the SQLModel classes to run a few
milliseconds of queries. Each runs SQL texts compiled from the services'
own expressions and checked in as a compiled.json of its own, inside one read
transaction, after checking that the database is at this version's schema: on
SQLite over a connection opened as the engine opens one (`db.connect`), on
PostgreSQL straight over libpq (`db.libpq`), as importing psycopg alone would
cost more than the rest of the command.

Only the plain case is handled; anything else raises `Unusual` before a
line is printed and the caller runs the full path, which says what is wrong
in its own words: one copy of every rule about opening a database.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from crm_tui.config import Settings
from crm_tui.db import schema_head
from crm_tui.db.connect import (
    PG_CONNECT_ARGS,
    database_files,
    plain_sqlite_path,
    postgres_connect_args,
    postgres_read_only,
    sqlite_pragmas,
    sqlite_read_only,
)
from crm_tui.db.values import date_from_db, money_from_db, utc_from_db
from crm_tui.services.private_files import readable_by_others

EXPANDING = "__[POSTCOMPILE_{}]"


class Unusual(Exception):
    """Not the plain case: the full path takes over (nothing has been printed)."""


def load_catalogue(path: Path, dialect: str) -> dict[str, Any]:
    """One dialect's entries of a compiled.json: {name: {sql, constants, columns, ...}}."""
    entries: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))[dialect]
    return entries


class LeanReads:
    """Runs compiled statements on one DB-API connection, in one read transaction."""

    def __init__(
        self, connection: Any, sqlite: bool, statements: Callable[[str], dict[str, Any]]
    ) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.statements = statements("sqlite" if sqlite else "postgresql")
        self._row_types: dict[str, Any] = {}

    def execute(self, shape: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        entry = self.statements.get(shape)
        if entry is None:
            raise Unusual(f"no compiled statement for {shape}")
        sql: str = entry["sql"]
        values = {**entry["constants"], **(params or {})}
        for name, value in list(values.items()):
            if isinstance(value, list):  # an expanding IN (...): one placeholder per item
                del values[name]
                names = [f"{name}_{i}" for i in range(len(value))]
                values.update(zip(names, value, strict=True))
                marks = (f":{n}" if self.sqlite else f"%({n})s" for n in names)
                sql = sql.replace(EXPANDING.format(name), ", ".join(marks))
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, values)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def rows(self, shape: str, params: dict[str, Any] | None = None) -> list[Any]:
        """`execute`, each row a named tuple with money and times converted as the column
        types convert them."""
        return [self._row(shape, values) for values in self.execute(shape, params)]

    def _row(self, shape: str, values: tuple[Any, ...]) -> Any:
        columns = self.statements[shape]["columns"]
        if shape not in self._row_types:
            self._row_types[shape] = namedtuple("Row", [name for name, _kind in columns])
        row_type = self._row_types[shape]
        converted = [self._convert(kind)(v) for (_n, kind), v in zip(columns, values, strict=True)]
        return row_type(*converted)

    def _convert(self, kind: str | None) -> Callable[[Any], Any]:
        if kind == "money":
            return lambda v: money_from_db(v, sqlite=self.sqlite)
        if kind == "utc":
            return utc_from_db
        if kind == "date":
            return date_from_db
        return lambda v: v


ReadsT = TypeVar("ReadsT", bound=LeanReads)


@contextmanager
def lean_reads(settings: Settings, make: Callable[[Any, bool], ReadsT]) -> Iterator[ReadsT]:
    """A read transaction on the settings' database at this schema, or Unusual. `make`
    (connection, sqlite) gives the reads over it; its statements must include `schema`."""
    path = plain_sqlite_path(settings.database_url)
    connection: Any
    # db.libpq's failures, on PostgreSQL only: a SQLite look-up never imports it (ctypes).
    unusable: tuple[type[Exception], ...] = ()
    if path is not None:
        if not path.is_file() or any(readable_by_others(p) for p in database_files(path)):
            raise Unusual("missing, or shared with other users (the full path says so)")
        connection = sqlite_read_only(path)
        sqlite_pragmas(connection, journal_mode=None)
    else:
        from crm_tui.db.libpq import LibpqUnusable

        unusable = (LibpqUnusable,)
        connection = _postgres(settings.database_url)
    try:
        reads = make(connection, isinstance(connection, sqlite3.Connection))
        if reads.sqlite:
            connection.execute("BEGIN")
        revision = reads.execute("schema")
        if not revision or revision[0][0] != schema_head.SCHEMA_HEAD:
            raise Unusual("not at this version's schema")
        yield reads
    except unusable as error:
        raise Unusual(str(error)) from error
    finally:
        try:
            connection.rollback()
        finally:
            connection.close()


def _postgres(url: str) -> Any:
    """A read-only connection straight over libpq (`db.libpq`), or psycopg's where no
    libpq can be loaded; Unusual for a URL that is not plain."""
    from crm_tui.db.libpq import LibpqConnection, LibpqUnusable, NoLibpq

    args = postgres_connect_args(url)
    if args is None:
        raise Unusual("not a plain database URL")
    try:
        # Text comes back as UTF-8, whatever the database's encoding: db.libpq decodes UTF-8.
        fixed = {"client_encoding": "UTF8", "connect_timeout": PG_CONNECT_ARGS["connect_timeout"]}
        return LibpqConnection({**args, **fixed})
    except NoLibpq:
        connection = postgres_read_only(url)
        if connection is None:  # pragma: no cover - the same URL test as above
            raise Unusual("not a plain database URL") from None
        return connection
    except LibpqUnusable as error:
        raise Unusual(str(error)) from error
