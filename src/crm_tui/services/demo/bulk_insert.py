"""A demo batch's rows into their table: one executemany, without Core's per-row work on SQLite.

Core's executemany compiles each row's parameters (about 30 µs a row, as
long as SQLite takes to store it); on SQLite the batch goes to the DB-API
cursor instead, each value passed through the column type's own bind
processor, so what is stored is what Core would store. PostgreSQL keeps
Core's executemany (psycopg's pipelined batches). `prepare` needs only the
dialect, so the rows can be made into parameters away from the writer
(services/demo/drawer.py does it in the process that draws them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Dialect, Table, insert
from sqlalchemy.types import TypeEngine

from crm_tui.models.types import Money, UTCDateTime

Processor = Callable[[Any], Any] | None
MAX_PARAMETERS = 65_535  # bind parameters in one PostgreSQL statement (the protocol's limit)
Plan = tuple[str, tuple[str, ...], list[Processor]]
Params = list[tuple[Any, ...]]


class BulkInsert:
    """Cached statements and bind processors per table, for one dialect."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}
        self._remembered: list[Remembered] = []
        self._copy: dict[str, bool] = {}  # PostgreSQL: table name -> COPY allowed

    def insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (dicts with the same keys) into `table`."""
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            if self._copy_allowed(conn, table):
                _sql, columns, params = self.prepare(conn.dialect, table, rows)
                copy_rows(conn, table, columns, params)
            else:
                insert_in_statements(conn, table, rows)
            return
        if conn.dialect.name != "sqlite":
            conn.execute(insert(table), rows)
            return
        sql, _columns, params = self.prepare(conn.dialect, table, rows)
        execute_many(conn, sql, params)

    def _copy_allowed(self, conn: Connection, table: Table) -> bool:
        """Whether this login may COPY into `table`: PostgreSQL refuses COPY FROM where
        row-level security applies to it (a manager or clerk who does not own the table)."""
        allowed = self._copy.get(table.name)
        if allowed is None:
            secured = conn.exec_driver_sql(
                "SELECT row_security_active(%(name)s::regclass)", {"name": table.name}
            ).scalar()
            allowed = self._copy[table.name] = not secured
        return allowed

    def prepare(
        self, dialect: Dialect, table: Table, rows: list[dict[str, Any]]
    ) -> tuple[str, tuple[str, ...], Params]:
        """The INSERT's text, its columns in order and one parameter tuple per row."""
        for memo in self._remembered:  # bounded: a batch's values, not the whole load's
            if len(memo) > memo.most:
                memo.clear()
        sql, keys, processors = self._plan(dialect, table, tuple(rows[0]))
        take = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        params: Params = list(map(take, rows))
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        if converted:  # column by column: a remembered value is a dict lookup at C speed
            columns = list(zip(*params, strict=True))
            for i, process in converted:
                columns[i] = tuple(map(process, columns[i]))
            params = list(zip(*columns, strict=True))
        return sql, keys, params

    def _plan(self, dialect: Dialect, table: Table, keys: tuple[str, ...]) -> Plan:
        """The statement, its parameters' keys in order, and their bind processors."""
        plan = self._plans.get((table.name, keys))
        if plan is None:
            compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
            # Named parameters (psycopg) keep the rows' order of keys.
            order = tuple(compiled.positiontup) if compiled.positiontup else keys
            assert sorted(order) == sorted(keys), (table.name, order, keys)
            processors = [self._processor(table.c[k].type, dialect) for k in order]
            plan = self._plans[(table.name, keys)] = (str(compiled), order, processors)
        return plan

    def _processor(self, column_type: TypeEngine[Any], dialect: Dialect) -> Processor:
        process, kind = _processor(column_type, dialect)
        if kind is None:
            return process
        assert process is not None
        memo = Remembered(process, kind)
        self._remembered.append(memo)
        return memo.__getitem__


def execute_many(conn: Connection, sql: str, params: Params) -> None:
    """`sql` once per parameter tuple, straight on the DB-API cursor (SQLite)."""
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def copy_rows(conn: Connection, table: Table, columns: tuple[str, ...], params: Params) -> None:
    """The rows into `table` by one COPY (PostgreSQL): one statement, so its statement
    triggers (dashboard figures, search words, change notices) run once for the batch
    instead of once a row as under executemany, and no row is parsed as SQL. psycopg
    writes each value as its text, which the server reads as the column's type."""
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[key].name) for key in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
    finally:
        cursor.close()


def insert_in_statements(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """The rows by multi-row INSERTs (PostgreSQL, where COPY is refused): as few statements
    as the protocol's limit of bind parameters allows, so statement triggers run once per
    statement rather than once a row."""
    per_statement = max(1, MAX_PARAMETERS // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        conn.execute(insert(table).values(rows[start : start + per_statement]))


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> tuple[Processor, type | None]:
    """The type's bind processor; for UTC times and dates on SQLite a quicker one giving the
    same text (its DATETIME and DATE storage formats), the type's own for anything else.
    Times, dates, amounts and flags repeat a lot in a batch (a customer's creation time
    stamps its rows, prices come from a list): for those the kind of value worth
    remembering is given."""
    slow = column_type.dialect_impl(dialect).bind_processor(dialect)
    if slow is None:
        return None, None
    if dialect.name != "sqlite":
        return slow, None
    if isinstance(column_type, UTCDateTime):

        def utc_text(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is UTC:
                return value.isoformat(" ", "microseconds")[:26]  # without +00:00
            return slow(value)

        return utc_text, datetime
    if isinstance(column_type, Date):

        def date_text(value: Any) -> Any:
            return value.isoformat() if type(value) is date else slow(value)

        return date_text, date
    if isinstance(column_type, Money):  # MoneyTotal too
        return slow, Decimal
    if isinstance(column_type, Boolean):
        return slow, bool
    return slow, None


class Remembered(dict[Any, Any]):
    """`process` of a value, remembered for values of exactly `kind`: looked up as
    `remembered[value]`. Equal values of these kinds give equal stored values (an instant
    is stored in UTC, an amount in cents, a flag as 0 or 1), so an equal value of another
    type found here stores what its own processing would."""

    def __init__(self, process: Callable[[Any], Any], kind: type, most: int = 65_536) -> None:
        super().__init__()
        self.process, self.kind, self.most = process, kind, most

    def __missing__(self, value: Any) -> Any:
        found = self.process(value)
        if type(value) is self.kind:
            self[value] = found
        return found
