"""Import helpers: tags and billing groups by name (created when missing), bulk inserts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from crm_tui.models import BillingGroup, Customer, Tag
from crm_tui.services.common import ensure_tag
from crm_tui.services.validation import text_key


def tag_ids_for(session: Session, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    keys = {text_key(n): n for n in names}
    ids = dict(
        session.execute(
            select(col(Tag.name_key), col(Tag.id)).where(col(Tag.name_key).in_(list(keys)))
        ).all()
    )
    for key, name in keys.items():
        if key not in ids:
            ids[key] = ensure_tag(session, name)
    return {k: int(v) for k, v in ids.items() if v is not None}


def billing_group_ids(
    session: Session, names: set[str | None], *, create: bool = True
) -> dict[str, int]:
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    ids = {name: gid for name, gid in session.execute(
        select(col(BillingGroup.name), col(BillingGroup.id)).where(col(BillingGroup.name).in_(wanted))).all()}  # fmt: skip
    for name in wanted - set(ids) if create else ():
        group = BillingGroup(name=name)
        session.add(group)
        session.flush()
        ids[name] = group.id
    return {k: int(v) for k, v in ids.items() if v is not None}


def customers_among(
    session: Session, column: Any, values: list[str], *conditions: Any, lock: bool = False
) -> Select[Customer]:
    """The customers whose `column` is one of `values` and who meet `conditions`, in id
    order; `lock` locks them (FOR UPDATE, PostgreSQL). The values go as one parameter:
    json_each on SQLite, unnest(array) on PostgreSQL.

    A batch looks up to a thousand keys; an expanding IN made SQLAlchemy render and
    process a thousand parameters for every query (about 17 us a row of the batch),
    and the statement's text changed with the count, so it was compiled each time.
    On PostgreSQL each key is looked up by itself (a LATERAL subquery per key that
    the planner may not merge, OFFSET 0): `column = ANY(keys)` was planned as a read
    of the whole customer table (or of its primary key, for the id order) whenever
    the statistics made the table look small, which during an import they do (the
    new rows are counted a minute or more later): 9-60 ms a look-up at 10,000 to
    50,000 customers, against 1-2 ms for a probe per key.
    """
    if session.get_bind().dialect.name != "postgresql":
        listed = func.json_each(json.dumps(values)).table_valued("value")
        query = select(Customer).where(column.in_(select(listed.c.value)), *conditions)
        return query.order_by(col(Customer.id))
    # Each key once: a key probed twice would find its customer twice.
    keys = func.unnest(bindparam(None, sorted(set(values)), type_=ARRAY(String)))
    listed = keys.table_valued("key").render_derived(name="k")
    hit = select(Customer).where(column == listed.c.key, *conditions).offset(0).lateral("hit")
    found = aliased(Customer, hit)
    probed = select(found).select_from(listed).join(hit, true()).order_by(col(found.id))
    # FOR UPDATE locks the customers of `hit` (the keys are no table), in id order as before.
    return probed.with_for_update() if lock else probed


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: one executemany of plain tuples on SQLite, COPY on PostgreSQL.

    psycopg sends an executemany as one statement per row (and cannot cache
    the text of a huge multi-VALUES statement), so at scale COPY is an order
    of magnitude faster. On SQLite the values go to the driver as tuples,
    converted by each column type's own bind processor once per distinct
    value (SQLAlchemy's per-row parameter processing cost more than SQLite's
    insert itself). Columns a row leaves out take the column's Python
    default (as an ORM insert would), or the server's (serial ids).
    """
    with inserting(session, table, rows):
        pass


@contextmanager
def inserting(session: Session, table: Table, rows: list[dict[str, Any]]) -> Iterator[None]:
    """insert_rows, with the caller's block run while the database saves the rows.

    On PostgreSQL the COPY's rows are sent before the block and its end waited
    for after it: the server inserts them (indexes, foreign keys, triggers)
    while this process works out what it writes next, instead of the two
    waiting for each other. Nothing else may use the session's connection in
    the block. Elsewhere the rows are inserted before the block.
    """
    if not rows:
        yield
        return
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql" and _row_security(session, table):
        # PostgreSQL refuses COPY into a table whose row-level security applies to
        # this login (a clerk or manager; see migration 0013): plain INSERTs then.
        session.execute(insert(table), rows)
        yield
        return
    given: set[str] = set().union(*rows)  # every key any row gives
    columns = [c for c in table.columns if c.name in given or c.default is not None]
    defaults = {
        c.name: _default(c) for c in columns if c.name not in given or c.default is not None
    }
    names = ", ".join(f'"{c.name}"' for c in columns)
    if dialect.name != "postgresql":
        _executemany(session, table, columns, defaults, rows)
        yield
        return
    raw = session.connection().connection.driver_connection
    assert raw is not None
    dbapi = dialect.dbapi
    assert dbapi is not None
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for values in _values(rows, [c.name for c in columns], defaults):
                copy.write_row(values)
            yield
    except dbapi.Error as exc:
        # COPY runs on the driver's own connection, so its errors are psycopg's,
        # not SQLAlchemy's: wrap them, so callers that fall back row by row on
        # an IntegrityError or DBAPIError see the same exceptions on both paths.
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


# Rows per INSERT statement on SQLite (at most SQLite's limit of parameters allows):
# inserting a batch's rows 32 to a statement cost about a fifth less of SQLite's time
# than a statement per row (8 tables, 50,000 customers: 1.5-2.1 -> 1.2-1.8 CPU s).
ROWS_PER_INSERT = 32


def _executemany(
    session: Session,
    table: Table,
    columns: list[Column[Any]],
    defaults: dict[str, Any],
    rows: list[dict[str, Any]],
) -> None:
    """One executemany of tuples through the session's connection (SQLite), in groups of
    ROWS_PER_INSERT rows to a statement (the rows in order, as one by one), the rest
    one by one."""
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    names = [c.name for c in columns]
    base = {name: defaults.get(name) for name in names}
    converters = [(i, _converter(c, dialect)) for i, c in enumerate(columns)]
    converting = [(i, convert) for i, convert in converters if convert is not None]
    params: list[Any] = []
    for values in _values(rows, names, base):
        if converting:
            converted = list(values)
            for i, convert in converting:
                converted[i] = convert(converted[i])
            values = tuple(converted)
        params.append(values)
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) VALUES "
    one = f"({', '.join('?' for _ in columns)})"
    conn = session.connection()
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    per = min(ROWS_PER_INSERT, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns))
    whole = len(params) // per * per if per > 1 else 0
    if whole:
        # Whole groups of `per` rows, each one INSERT of `per` rows (one statement text,
        # prepared once): SQLite steps a statement per group instead of per row.
        flat = list(chain.from_iterable(params[:whole]))
        size = per * len(columns)
        groups = [tuple(flat[i : i + size]) for i in range(0, len(flat), size)]
        conn.exec_driver_sql(head + ", ".join([one] * per), groups)
    if whole < len(params):
        conn.exec_driver_sql(head + one, params[whole:])


def _values(
    rows: list[dict[str, Any]], names: list[str], base: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Each row's values of `names`, in order; what a row leaves out, from `base`. Rows
    that give every column are read as they are (no merged dict), until one does not."""
    pick = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    whole = True
    for row in rows:
        if whole:
            try:
                values = pick(row)
            except KeyError:
                whole = False
        if not whole:
            values = pick(base | row)
        yield values


def _converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor, remembered per distinct value (a batch repeats
    its timestamps, flags and kinds); None where the type has none."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        key = (value.__class__, value)  # True == 1, yet each keeps its own conversion
        try:
            return seen[key]
        except KeyError:
            seen[key] = result = process(value)
            return result
        except TypeError:  # unhashable: converted every time
            return process(value)

    return convert


def _row_security(session: Session, table: Table) -> bool:
    """Whether row-level security applies to this login on `table`: asked once per
    transaction for every table of the schema (a batch inserts into eight)."""
    active = session.info.get(_RLS_KEY)
    if active is None:
        names = [t.name for t in table.metadata.sorted_tables]
        found = session.scalars(
            text("SELECT t FROM unnest(CAST(:names AS text[])) AS t WHERE row_security_active(t)"),
            {"names": names},
        )
        active = session.info[_RLS_KEY] = {str(name) for name in found}
    return table.name in active


_RLS_KEY = "crm_import_row_security"


def _default(column: Column[Any]) -> Any:
    """The column's Python-side default (callables are called once per batch)."""
    arg = getattr(column.default, "arg", None)
    return arg(None) if callable(arg) else arg
