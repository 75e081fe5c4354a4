"""The machinery of a bulk action: a selection as a set of ids, walked a chunk per
transaction, with history written by the database.

SQLite keeps the ids in a temporary table of the bulk connection.
PostgreSQL keeps them here, sorted, and hands each chunk to the database
as one array parameter: a temporary table is session state, which a
PgBouncer in transaction pooling does not keep from one transaction to the
next (the chunks may run on different server connections).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Select,
    Table,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlmodel import col

from crm_tui.db.engine import WRITE_OPTION
from crm_tui.models import Customer, CustomerTag
from crm_tui.models.types import UTCDateTime, utcnow
from crm_tui.services import history
from crm_tui.services.common import chunks, live_customer
from crm_tui.services.errors import ValidationError
from crm_tui.services.search import SearchFilters, SearchService

if TYPE_CHECKING:
    from crm_tui.services.bulk.selection import Selection

IdSelect = Select[int]
Ids = Table | list[int]  # SQLite: a temporary table; PostgreSQL: the sorted ids
AnySelect = Select[*tuple[Any, ...]]
ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class Run:
    """How far a chunked run got: `changed` of `processed` (of `total`) ids."""

    total: int
    processed: int
    changed: int
    cancelled: bool


def ids_table() -> Table:
    # A fresh MetaData per use: the table is per connection and dropped after.
    return Table(
        "crm_bulk_ids",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        prefixes=["TEMPORARY"],
    )


def _noop_progress(_done: int, _total: int) -> None:
    return None


def _never() -> bool:
    return False


@contextmanager
def materialised(
    engine: Engine, search: SearchService, selection: Selection
) -> Iterator[tuple[Connection, Ids]]:
    """One connection and the selection's ids (see the module docstring)."""
    if selection.is_empty:
        raise ValidationError("selection", "Mark some customers first.")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            with reading(conn):
                found = _selected_ids(conn, search, selection)
            yield conn, found
        return
    ids = ids_table()
    with engine.connect() as conn:
        try:
            with reading(conn):
                ids.drop(conn, checkfirst=True)
                ids.create(conn)
                if selection.all_matches:
                    matching = search.matching_ids_query(
                        selection.query, selection.filters or SearchFilters()
                    ).subquery()
                    source = select(matching.c[0]).distinct()
                    if selection.excluded:
                        source = source.where(matching.c[0].not_in(selection.excluded))
                    conn.execute(insert(ids).from_select(["id"], source))
                    extra = sorted(selection.ids - selection.excluded)
                    if extra:
                        present = set(conn.scalars(select(ids.c.id).where(ids.c.id.in_(extra))))
                        extra = [i for i in extra if i not in present]
                else:
                    extra = sorted(selection.ids)
                for part in chunks(extra, 500):
                    conn.execute(insert(ids), [{"id": i} for i in part])
            yield conn, ids
        finally:
            if conn.in_transaction():
                conn.rollback()
            with reading(conn):
                ids.drop(conn, checkfirst=True)


def _selected_ids(conn: Connection, search: SearchService, selection: Selection) -> list[int]:
    chosen = set(selection.ids)
    if selection.all_matches:
        matching = search.matching_ids_query(
            selection.query, selection.filters or SearchFilters()
        ).subquery()
        chosen.update(int(i) for i in conn.scalars(select(matching.c[0]).distinct()))
        chosen -= set(selection.excluded)
    return sorted(chosen)


def _array_chunk(part: Sequence[int]) -> IdSelect:
    """A chunk's ids as one array parameter, unnested by the database."""
    return select(func.unnest(literal(list(part), ARRAY(Integer))))


@contextmanager
def reading(conn: Connection) -> Iterator[None]:
    """A read transaction on the bulk connection."""
    conn.execution_options(**{WRITE_OPTION: False})
    with conn.begin():
        yield


@contextmanager
def writing(conn: Connection) -> Iterator[None]:
    # BEGIN IMMEDIATE on SQLite: wait for the write lock rather than fail on it.
    conn.execution_options(**{WRITE_OPTION: True})
    try:
        with conn.begin():
            yield
    finally:
        conn.execution_options(**{WRITE_OPTION: False})


def count_ids(conn: Connection, ids: Ids) -> int:
    if isinstance(ids, list):
        return len(ids)
    if conn.in_transaction():
        return int(conn.scalar(select(func.count()).select_from(ids)) or 0)
    with conn.begin():
        return int(conn.scalar(select(func.count()).select_from(ids)) or 0)


def run_in_chunks(
    conn: Connection,
    ids: Ids,
    apply: Callable[[IdSelect], int],
    progress: ProgressFn | None,
    cancelled: CancelFn | None,
    chunk: int,
) -> Run:
    """`apply` to each chunk of ids in its own write transaction, in id order."""
    report = progress or _noop_progress
    stop = cancelled or _never
    total = count_ids(conn, ids)
    processed = changed = 0
    last = 0
    report(0, total)
    if isinstance(ids, list):
        return _run_list(conn, ids, apply, report, stop, chunk)
    while processed < total:
        if stop():
            return Run(total, processed, changed, cancelled=True)
        with writing(conn):
            window = (
                select(ids.c.id).where(ids.c.id > last).order_by(ids.c.id).limit(chunk)
            ).subquery()
            bounds = conn.execute(
                select(func.max(window.c.id), func.count()).select_from(window)
            ).one()
            if bounds[0] is None:
                break
            high, size = int(bounds[0]), int(bounds[1])
            chunk_ids: IdSelect = select(ids.c.id).where(ids.c.id > last, ids.c.id <= high)
            lock(conn, chunk_ids)
            changed += apply(chunk_ids)
        processed += size
        last = high
        report(processed, total)
    return Run(total, processed, changed, cancelled=False)


def _run_list(
    conn: Connection,
    ids: list[int],
    apply: Callable[[IdSelect], int],
    report: ProgressFn,
    stop: CancelFn,
    chunk: int,
) -> Run:
    total = len(ids)
    processed = changed = 0
    for part in chunks(ids, chunk):
        if stop():
            return Run(total, processed, changed, cancelled=True)
        with writing(conn):
            chunk_ids = _array_chunk(part)
            lock(conn, chunk_ids)
            changed += apply(chunk_ids)
        processed += len(part)
        report(processed, total)
    return Run(total, processed, changed, cancelled=False)


def lock(conn: Connection, chunk_ids: IdSelect) -> None:
    """Lock the chunk's customers (in id order, as merge does) before reading them.

    On PostgreSQL each statement of a READ COMMITTED transaction sees what
    was committed when it started: without the lock, a merge or another
    clerk's bulk change committing between our history INSERT and our UPDATE
    makes the history describe changes that did not happen (or miss ones
    that did), and a merge can leave its merged customers tagged. Once
    locked, every later statement here sees the rows as they now are, and
    nobody changes them until we commit. SQLite needs nothing: the write
    transaction already holds the only write lock.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        select(col(Customer.id))
        .where(col(Customer.id).in_(chunk_ids))
        .order_by(col(Customer.id))
        .with_for_update()
    )


def live(chunk_ids: IdSelect) -> AnySelect:
    """Customers in the chunk that may still change (not merged, not erased)."""
    return select(col(Customer.id)).where(col(Customer.id).in_(chunk_ids), live_customer())


def write_history(
    conn: Connection,
    actor: str,
    targets: AnySelect,
    *,
    field: str,
    new: str | None,
    old: str | None = None,
    old_column: str | None = None,
) -> None:
    """One change_history row per target customer, written by the database."""
    now = literal(utcnow(), UTCDateTime())
    old_value: Any = getattr(Customer, old_column) if old_column else literal(old)
    if old_column is None and old is None:
        old_value = null()
    # Status changes bump the version; tag changes do not (as in CustomerService).
    version: Any = col(Customer.version) + 1 if old_column else literal(0)
    source = targets.with_only_columns(
        col(Customer.id),
        literal("customer"),
        col(Customer.id),
        literal("update"),
        literal(field),
        old_value,
        literal(new) if new is not None else null(),
        version,
        literal(actor),
        now,
    )
    history.record_selected(conn, source)


def customers(ids: Sequence[int]) -> AnySelect:
    """The customers with these ids (a chunk's worth at most)."""
    return select(col(Customer.id)).where(col(Customer.id).in_(ids))


def insert_new(conn: Connection, table: type[CustomerTag]) -> Any:
    """An INSERT that can skip rows already there (ON CONFLICT DO NOTHING)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def counted(conn: Connection, statement: Any) -> Any:
    # rowcount of INSERT ... SELECT is only kept when asked for (SQLAlchemy 2.x).
    return conn.execute(statement, execution_options={"preserve_rowcount": True})
