"""A demo batch's rows into their table: one executemany, without Core's per-row work on SQLite.

Core's executemany compiles each row's parameters (about 30 µs a row, as
long as SQLite takes to store it); on SQLite the batch goes to the DB-API
cursor instead, each value passed through the column type's own bind
processor, so what is stored is what Core would store. PostgreSQL keeps
Core's executemany (psycopg's pipelined batches).
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
Plan = tuple[str, tuple[str, ...], list[Processor]]


class BulkInsert:
    """Cached statements and bind processors per table, for one connection's dialect."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}

    def insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (dicts with the same keys) into `table`."""
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            conn.execute(insert(table), rows)
            return
        sql, keys, processors = self._plan(conn, table, tuple(rows[0]))
        take = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        params: list[Any] = list(map(take, rows))
        if converted:  # only the columns whose type has a processor, in place
            for index, values in enumerate(params):
                values = params[index] = list(values)
                for i, process in converted:
                    values[i] = process(values[i])
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()

    def _plan(self, conn: Connection, table: Table, keys: tuple[str, ...]) -> Plan:
        """The statement, its parameters' keys in order, and their bind processors."""
        plan = self._plans.get((table.name, keys))
        if plan is None:
            dialect = conn.dialect
            compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
            order = tuple(compiled.positiontup or ())
            assert sorted(order) == sorted(keys), (table.name, order, keys)
            processors = [_processor(table.c[k].type, dialect) for k in order]
            plan = self._plans[(table.name, keys)] = (str(compiled), order, processors)
        return plan


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Processor:
    """The type's bind processor; for UTC times and dates a quicker one giving the same text
    (SQLite's DATETIME and DATE storage formats), the type's own for anything else. Times,
    dates, amounts and flags repeat a lot in a batch (a customer's creation time stamps its
    rows, prices come from a list): each such value is worked out once per plan."""
    slow = column_type.dialect_impl(dialect).bind_processor(dialect)
    if slow is None:
        return None
    if isinstance(column_type, UTCDateTime):

        def utc_text(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is UTC:
                return value.isoformat(" ", "microseconds")[:26]  # without +00:00
            return slow(value)

        return _once_per_value(utc_text, datetime)
    if isinstance(column_type, Date):

        def date_text(value: Any) -> Any:
            return value.isoformat() if type(value) is date else slow(value)

        return _once_per_value(date_text, date)
    if isinstance(column_type, Money):  # MoneyTotal too
        return _once_per_value(slow, Decimal)
    if isinstance(column_type, Boolean):
        return _once_per_value(slow, bool)
    return slow


def _once_per_value(process: Callable[[Any], Any], kind: type, most: int = 65_536) -> Processor:
    """`process`, remembering its result for values of exactly `kind` (equal values of
    these kinds give equal stored values: an instant is stored in UTC, an amount in cents)."""
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not kind:
            return process(value)
        found = seen.get(value, seen)
        if found is seen:
            found = process(value)
            if len(seen) < most:
                seen[value] = found
        return found

    return remembered
