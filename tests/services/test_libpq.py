"""The lean PostgreSQL connection (db.libpq) reads what psycopg reads, or steps aside.

Every value kind the lean statements return is selected through both
connections and compared value and type; parameters (repeated, NULL,
boolean, date, a literal percent sign) reach the server as psycopg sends
them; a type it does not read, a failing statement or a refused connection
raise LibpqUnusable; with no libpq to load, the lean paths use psycopg.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from crm_tui.config import Settings
from crm_tui.db import libpq
from crm_tui.db.connect import postgres_connect_args
from crm_tui.db.libpq import LibpqConnection, LibpqUnusable
from crm_tui.services import lean_reads
from crm_tui.services.card import lean as card_lean

VALUES = """
SELECT 1::int2, 2::int4, 3000000000::int8, 4::oid, 1.5::float4, 2.25::float8,
       'NaN'::float8, 12.50::numeric, 'NaN'::numeric, -0.001::numeric(10,3),
       true, false, 'tab\t''quote" é €'::text, 'v'::varchar, 'c'::char(3), 'n'::name,
       DATE '2026-02-28', TIMESTAMP '2026-12-07 02:24:51.625',
       TIMESTAMPTZ '2026-12-07 02:24:51.123456+05:30', TIMESTAMPTZ '1999-01-01 00:00:00+00',
       '{"a": [1, "x"]}'::json, '{"b": null}'::jsonb, NULL::text, NULL::numeric, 'lit'
"""


# PostgreSQL only: conftest's migrated database, on that engine.
pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def pg_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def pg_args(pg_url: str) -> dict[str, Any]:
    args = postgres_connect_args(pg_url)
    assert args is not None
    return args


def _both(args: dict[str, Any], sql: str, params: dict[str, Any] | None = None) -> tuple[Any, Any]:
    lean = LibpqConnection(args)
    try:
        cursor = lean.cursor()
        cursor.execute(sql, params)
        mine = cursor.fetchall()
    finally:
        lean.rollback()
        lean.close()
    with psycopg.connect(**args) as connection:
        theirs = connection.execute(sql, params).fetchall()
    return mine, theirs


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) and a.is_nan():
        return isinstance(b, Decimal) and b.is_nan()
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return type(a) is type(b) and a == b


def test_values_read_as_psycopg_reads_them(pg_args: dict[str, Any]) -> None:
    mine, theirs = _both(pg_args, VALUES)
    assert len(mine) == len(theirs) == 1
    assert len(mine[0]) == len(theirs[0]) == 25
    for index, (a, b) in enumerate(zip(mine[0], theirs[0], strict=True)):
        assert _same(a, b), (index, a, b)
        if hasattr(a, "utcoffset") and a.tzinfo is not None:
            assert a.utcoffset() == b.utcoffset()


def test_parameters_reach_the_server_as_psycopg_sends_them(pg_args: dict[str, Any]) -> None:
    sql = (
        "SELECT %(a)s::INTEGER + %(a)s::INTEGER, %(s)s::VARCHAR, %(n)s::VARCHAR IS NULL, "
        "%(b)s::BOOLEAN, %(d)s::DATE, %(m)s::NUMERIC, 'x%%' LIKE %(p)s::VARCHAR, "
        "'100%%'"
    )
    params = {"a": 20, "s": "O'Brien %(b)s €", "n": None, "b": False,
              "d": date(2026, 2, 28), "m": Decimal("1.10"), "p": "x%"}  # fmt: skip
    mine, theirs = _both(pg_args, sql, params)
    assert mine == theirs == [(40, "O'Brien %(b)s €", True, False, date(2026, 2, 28),
                              Decimal("1.10"), True, "100%")]  # fmt: skip


def test_text_of_a_latin1_database(pg_url: str, pg_args: dict[str, Any]) -> None:
    """The lean reads ask for UTF-8 whatever the database holds (a LATIN1 one here)."""
    name = "crm_latin1_probe"
    with psycopg.connect(**pg_args, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(
            f"CREATE DATABASE {name} ENCODING 'LATIN1' TEMPLATE template0 "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    try:
        with psycopg.connect(**{**pg_args, "dbname": name}) as writer:
            writer.execute("CREATE TABLE town (name text)")
            writer.execute("INSERT INTO town VALUES (%s)", ["Ålesund, Müller ñ ß"])
        connection = lean_reads._postgres(pg_url.rsplit("/", 1)[0] + f"/{name}")
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT name FROM town WHERE name LIKE %(start)s::text", {"start": "Å%"})
            assert cursor.fetchall() == [("Ålesund, Müller ñ ß",)]
        finally:
            connection.close()
    finally:
        with psycopg.connect(**pg_args, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def test_anything_else_steps_aside(pg_args: dict[str, Any]) -> None:
    connection = LibpqConnection(pg_args)
    try:
        with pytest.raises(LibpqUnusable, match="no loader"):
            connection.cursor().execute("SELECT ARRAY[1, 2]")
        with pytest.raises(LibpqUnusable, match="failed"):
            connection.cursor().execute("SELECT * FROM no_such_table")
        with pytest.raises(LibpqUnusable, match="parameter"):
            connection.cursor().execute("SELECT %(x)s", {"x": object()})
    finally:
        connection.close()
    with pytest.raises(LibpqUnusable, match="refused"):
        LibpqConnection({**pg_args, "dbname": "crm_no_such_database"})


def test_the_transaction_is_read_only(pg_args: dict[str, Any]) -> None:
    connection = LibpqConnection(pg_args)
    try:
        with pytest.raises(LibpqUnusable):
            connection.cursor().execute("CREATE TABLE written (id int)")
    finally:
        connection.close()
    with psycopg.connect(**pg_args) as check:
        assert check.execute("SELECT to_regclass('written')").fetchone() == (None,)


def test_without_libpq_the_lean_path_uses_psycopg(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No libpq to load: the lean reads run through psycopg; with libpq, through it."""
    settings = Settings(database_url=pg_url, clerk="tester", default_region="GB")
    opened: list[str] = []
    original = lean_reads._postgres

    def spy(url: str) -> Any:
        connection = original(url)
        opened.append(type(connection).__module__.split(".")[0])
        return connection

    monkeypatch.setattr(lean_reads, "_postgres", spy)
    # No customer matches: the lean card hands over, after the schema check ran lean.
    with pytest.raises(lean_reads.Unusual):
        card_lean.card_rows(settings, "C-999999")
    monkeypatch.setattr(libpq, "_library_paths", lambda: ["/no/such/libpq.so"])
    with pytest.raises(lean_reads.Unusual):
        card_lean.card_rows(settings, "C-999999")
    assert opened == ["crm_tui", "psycopg"]
