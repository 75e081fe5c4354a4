"""The lean read path: `crm lookup` without SQLAlchemy, pydantic or the models.

A one-shot lookup spent most of its time importing SQLAlchemy and the
SQLModel classes (about 0.5 s) to run a query of a few milliseconds. Here the
same search (`ranking.first_page`, the statements of `plan`) runs over a
DB-API connection opened as the engine opens one (`db.connect`), with the SQL
texts compiled from the service's expressions (`compiled.json`).

Only the plain case is handled: a database at this version's schema, opened
read-only, with a recorded reporting currency, default filters, a statement
shape in compiled.json. Anything else raises `Unusual` before a line is
printed and the caller runs the full path, which says what is wrong in its
own words: one copy of every rule about opening a database.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from crm_tui.config import Settings
from crm_tui.db import schema_head
from crm_tui.db.connect import (
    database_files,
    plain_sqlite_path,
    postgres_read_only,
    sqlite_pragmas,
    sqlite_read_only,
)
from crm_tui.db.values import date_from_db, money_from_db, utc_from_db
from crm_tui.services.private_files import readable_by_others
from crm_tui.services.search.plan import Fetch, RowLike
from crm_tui.services.search.query import Query, parse_query
from crm_tui.services.search.ranking import first_page, to_row
from crm_tui.services.search.values import Cursor, Page

COMPILED = Path(__file__).with_name("compiled.json")
EXPANDING = "__[POSTCOMPILE_{}]"


class Unusual(Exception):
    """Not the plain case: the full path takes over (nothing has been printed)."""


@cache
def catalogue(dialect: str) -> dict[str, Any]:
    entries: dict[str, Any] = json.loads(COMPILED.read_text(encoding="utf-8"))[dialect]
    return entries


class LeanReads:
    """Runs compiled statements on one DB-API connection, in one read transaction."""

    def __init__(self, connection: Any, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.statements = catalogue("sqlite" if sqlite else "postgresql")
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

    def run(self, fetch: Fetch) -> list[RowLike]:
        shape = fetch.shape
        for name, value in fetch.planner.items():
            self.execute("setting", {"q_name": name, "q_value": value})
        raw = self.execute(shape, fetch.params())
        for name in fetch.planner:
            self.execute("setting", {"q_name": name, "q_value": "on"})
        return [self._row(shape, values) for values in raw]

    def _row(self, shape: str, values: tuple[Any, ...]) -> RowLike:
        """A named tuple, money and times converted as the column types convert them."""
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


@contextmanager
def lean_reads(settings: Settings) -> Iterator[LeanReads]:
    """A read transaction on the settings' database at this schema, or Unusual."""
    path = plain_sqlite_path(settings.database_url)
    connection: Any
    if path is not None:
        if not path.is_file() or any(readable_by_others(p) for p in database_files(path)):
            raise Unusual("missing, or shared with other users (the full path says so)")
        connection = sqlite_read_only(path)
        sqlite_pragmas(connection, journal_mode=None)
    else:
        connection = postgres_read_only(settings.database_url)
        if connection is None:
            raise Unusual("not a plain database URL")
    try:
        reads = LeanReads(connection, isinstance(connection, sqlite3.Connection))
        if reads.sqlite:
            connection.execute("BEGIN")
        revision = reads.execute("schema")
        if not revision or revision[0][0] != schema_head.SCHEMA_HEAD:
            raise Unusual("not at this version's schema")
        yield reads
    finally:
        connection.rollback()
        connection.close()


def lookup(settings: Settings, text: str, limit: int) -> tuple[Page, str]:
    """The first page of `crm lookup` (or of the app's list, with default filters and
    sort, while the app starts) and the reporting currency, or Unusual."""
    with lean_reads(settings) as reads:
        recorded = reads.execute("currency")
        if not recorded or not recorded[0][0]:
            raise Unusual("no reporting currency recorded yet")
        if not reads.sqlite:
            reads.execute("session")
        parsed = parse_query(text, settings.default_region)
        page = first_page(reads, parsed, limit) if parsed.text else _by_name(reads, parsed, limit)
        return page, str(recorded[0][0])


def _by_name(reads: LeanReads, parsed: Query, limit: int) -> Page:
    """No query: the list's first page by name, as the service's `sorted_page` reads it
    (its cursor carries the default sort, relevance, as the list asks for it)."""
    rows = reads.run(Fetch("browse", parsed, reads.sqlite, count=limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    after = Cursor("relevance", False, 0, (last.sort_name, last.id)) if has_more and last else None
    return Page(tuple(to_row(r) for r in rows), after, has_more)
