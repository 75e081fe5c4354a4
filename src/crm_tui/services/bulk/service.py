"""Bulk actions on a set of customers: tag, untag, change status, export CSV.

The set is either hand-marked ids or every match of a search (minus the rows
unmarked since). It is materialised once into a temporary table of ids, then
the work runs in the database (INSERT ... SELECT, UPDATE ... WHERE id IN)
one chunk of ids per transaction, so 100,000 customers never pass through
Python, progress can be reported between chunks, and a cancel leaves whole
chunks done and the rest untouched. History rows are written by the same
statements, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlmodel import col

from crm_tui.db.engine import WRITE_OPTION
from crm_tui.models import ChangeRecord, Customer, CustomerTag, Tag
from crm_tui.models.enums import CustomerStatus
from crm_tui.models.types import UTCDateTime, utcnow
from crm_tui.services.common import chunks, ensure_tag, live_customer
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ReadOnlyError, ValidationError
from crm_tui.services.search import SearchFilters, SearchService
from crm_tui.services.validation import clean_text, text_key

CHUNK = 2_000
IdSelect = Select[int]
AnySelect = Select[*tuple[Any, ...]]
ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

# Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Selection:
    """Which customers a bulk action applies to.

    `ids` are hand-marked customers. With `all_matches`, every customer the
    search `query` and `filters` match, except `excluded`, plus `ids`.
    """

    ids: frozenset[int] = frozenset()
    all_matches: bool = False
    query: str = ""
    filters: SearchFilters | None = None
    excluded: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.ids and not self.all_matches


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: `changed` of `processed` (of `total`) customers."""

    action: str
    total: int
    processed: int
    changed: int
    cancelled: bool
    path: Path | None = None


def neutralise(value: str) -> str:
    """A cell a spreadsheet will not run as a formula: a leading quote when needed."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _ids_table() -> Table:
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


class BulkService:
    """Bulk changes and exports over a Selection, chunked, cancellable."""

    def __init__(self, ctx: ServiceContext, search: SearchService | None = None) -> None:
        self.ctx = ctx
        self._search = search or SearchService(ctx)

    # --- public actions --------------------------------------------------------

    def count(self, selection: Selection) -> int:
        """How many customers the selection holds now."""
        with self._materialised(selection) as (conn, ids):
            return self._count(conn, ids)

    def add_tag(
        self,
        selection: Selection,
        tag: str,
        *,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        chunk: int = CHUNK,
    ) -> BulkResult:
        """Put the tag (created if new) on every selected customer that lacks it."""
        name = self._tag_name(tag)
        self._refuse_if_read_only()
        with self._materialised(selection) as (conn, ids):
            with self._write(conn):
                tag_id = ensure_tag(conn, name)

            def apply(chunk_ids: IdSelect) -> int:
                targets = self._live(chunk_ids).where(
                    ~exists().where(
                        col(CustomerTag.customer_id) == col(Customer.id),
                        col(CustomerTag.tag_id) == tag_id,
                    )
                )
                # On PostgreSQL a clerk tagging the same customers commits
                # between our look and our insert: skip those pairs, and log
                # only the rows this statement really inserted.
                added = conn.scalars(
                    _insert_new(conn, CustomerTag)
                    .from_select(
                        ["customer_id", "tag_id"],
                        targets.with_only_columns(col(Customer.id), literal(tag_id)),
                    )
                    .on_conflict_do_nothing()
                    .returning(col(CustomerTag.customer_id))
                ).all()
                self._history(conn, _customers(added), field="tags", old=None, new=name)
                return len(added)

            return self._in_chunks(conn, ids, "add tag", apply, progress, cancelled, chunk)

    def remove_tag(
        self,
        selection: Selection,
        tag: str,
        *,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        chunk: int = CHUNK,
    ) -> BulkResult:
        """Take the tag off every selected customer that has it."""
        name = self._tag_name(tag)
        self._refuse_if_read_only()
        with self._materialised(selection) as (conn, ids):
            with self._read(conn):
                row = conn.execute(
                    select(col(Tag.id), col(Tag.name)).where(col(Tag.name_key) == text_key(name))
                ).first()
            if row is None:
                raise ValidationError("tag", f"There is no tag called {name}.")
            tag_id, stored_name = int(row[0] or 0), str(row[1])

            def apply(chunk_ids: IdSelect) -> int:
                targets = self._live(chunk_ids).where(
                    exists().where(
                        col(CustomerTag.customer_id) == col(Customer.id),
                        col(CustomerTag.tag_id) == tag_id,
                    )
                )
                # RETURNING: the rows this statement really deleted, so two
                # clerks racing on PostgreSQL do not both log one removal.
                removed = conn.scalars(
                    delete(CustomerTag)
                    .where(
                        col(CustomerTag.tag_id) == tag_id,
                        col(CustomerTag.customer_id).in_(
                            targets.with_only_columns(col(Customer.id))
                        ),
                    )
                    .returning(col(CustomerTag.customer_id))
                ).all()
                self._history(conn, _customers(removed), field="tags", old=stored_name, new=None)
                return len(removed)

            return self._in_chunks(conn, ids, "remove tag", apply, progress, cancelled, chunk)

    def set_status(
        self,
        selection: Selection,
        status: str,
        *,
        reason: str | None = None,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        chunk: int = CHUNK,
    ) -> BulkResult:
        """Change the status of every selected customer, with a history row each.

        Merged and erased customers are left alone, as in the one-customer rules.
        """
        allowed = [s.value for s in CustomerStatus if s != CustomerStatus.MERGED]
        if status not in allowed:
            raise ValidationError("status", f"Choose one of: {', '.join(allowed)}.")
        if status == CustomerStatus.BLOCKED:
            reason = clean_text("status_reason", reason, required=True, max_len=500)
        else:
            reason = None
        self._refuse_if_read_only()
        now = utcnow()
        with self._materialised(selection) as (conn, ids):

            def apply(chunk_ids: IdSelect) -> int:
                live = self._live(chunk_ids)
                status_moves = col(Customer.status) != status
                reason_moves = col(Customer.status_reason).is_distinct_from(reason)
                self._history(
                    conn, live.where(status_moves), field="status", old_column="status", new=status
                )
                self._history(
                    conn,
                    live.where(reason_moves),
                    field="status_reason",
                    old_column="status_reason",
                    new=reason,
                )
                result = _counted(
                    conn,
                    update(Customer)
                    .where(
                        col(Customer.id).in_(
                            live.where(or_(status_moves, reason_moves)).with_only_columns(
                                col(Customer.id)
                            )
                        )
                    )
                    .values(
                        status=status,
                        status_reason=reason,
                        version=col(Customer.version) + 1,
                        updated_at=now,
                    ),
                )
                return int(result.rowcount or 0)

            return self._in_chunks(conn, ids, "change status", apply, progress, cancelled, chunk)

    def export_csv(
        self,
        selection: Selection,
        path: Path,
        *,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        chunk: int = CHUNK,
    ) -> BulkResult:
        """Write the selected customers to a new CSV file, streaming a chunk at a time.

        The selection's ids are materialised here; the file itself is written by
        the one exporter (services.exports: columns that import back, formula
        neutralising, numbers left as numbers). It appears only when complete;
        a cancel leaves nothing behind.
        """
        from crm_tui.services.exports.service import ExportSelection, ExportService

        with self._materialised(selection) as (conn, ids), self._read(conn):
            chosen = tuple(int(i) for i in conn.scalars(select(ids.c.id).order_by(ids.c.id)))
        result = ExportService(self.ctx, self._search).export(
            path,
            fmt="csv",
            selection=ExportSelection(ids=chosen, include_merged=True),
            progress=progress,
            cancelled=cancelled,
            batch=chunk,
        )
        if result.cancelled:
            return BulkResult("export", len(chosen), result.rows, 0, True)
        return BulkResult("export", len(chosen), result.rows, result.rows, False, result.path)

    # --- the machinery ----------------------------------------------------------

    def _refuse_if_read_only(self) -> None:
        if self.ctx.read_only:
            raise ReadOnlyError()

    @staticmethod
    def _tag_name(tag: str) -> str:
        name = clean_text("tags", tag, required=True, max_len=64)
        assert name is not None
        return name

    @contextmanager
    def _materialised(self, selection: Selection) -> Iterator[tuple[Connection, Table]]:
        """One connection holding a temporary table of the selection's ids."""
        if selection.is_empty:
            raise ValidationError("selection", "Mark some customers first.")
        ids = _ids_table()
        with self.ctx.db.engine.connect() as conn:
            try:
                with self._read(conn):
                    ids.drop(conn, checkfirst=True)
                    ids.create(conn)
                    if selection.all_matches:
                        matching = self._search.matching_ids_query(
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
                with self._read(conn):
                    ids.drop(conn, checkfirst=True)

    @contextmanager
    def _read(self, conn: Connection) -> Iterator[None]:
        conn.execution_options(**{WRITE_OPTION: False})
        with conn.begin():
            yield

    @contextmanager
    def _write(self, conn: Connection) -> Iterator[None]:
        # BEGIN IMMEDIATE on SQLite: wait for the write lock rather than fail on it.
        conn.execution_options(**{WRITE_OPTION: True})
        try:
            with conn.begin():
                yield
        finally:
            conn.execution_options(**{WRITE_OPTION: False})

    @staticmethod
    def _count(conn: Connection, ids: Table) -> int:
        if conn.in_transaction():
            return int(conn.scalar(select(func.count()).select_from(ids)) or 0)
        with conn.begin():
            return int(conn.scalar(select(func.count()).select_from(ids)) or 0)

    def _in_chunks(
        self,
        conn: Connection,
        ids: Table,
        action: str,
        apply: Callable[[IdSelect], int],
        progress: ProgressFn | None,
        cancelled: CancelFn | None,
        chunk: int,
    ) -> BulkResult:
        report = progress or _noop_progress
        stop = cancelled or _never
        total = self._count(conn, ids)
        processed = changed = 0
        last = 0
        report(0, total)
        while processed < total:
            if stop():
                return BulkResult(action, total, processed, changed, True)
            with self._write(conn):
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
                changed += apply(chunk_ids)
            processed += size
            last = high
            report(processed, total)
        return BulkResult(action, total, processed, changed, False)

    @staticmethod
    def _live(chunk_ids: IdSelect) -> AnySelect:
        """Customers in the chunk that may still change (not merged, not erased)."""
        return select(col(Customer.id)).where(col(Customer.id).in_(chunk_ids), live_customer())

    def _history(
        self,
        conn: Connection,
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
            literal(self.ctx.actor),
            now,
        )
        conn.execute(
            insert(ChangeRecord).from_select(
                [
                    "customer_id",
                    "entity",
                    "entity_id",
                    "action",
                    "field",
                    "old_value",
                    "new_value",
                    "version",
                    "actor",
                    "changed_at",
                ],
                source,
            )
        )


def _customers(ids: Sequence[int]) -> AnySelect:
    """The customers with these ids (a chunk's worth at most)."""
    return select(col(Customer.id)).where(col(Customer.id).in_(ids))


def _insert_new(conn: Connection, table: type[CustomerTag]) -> Any:
    """An INSERT that can skip rows already there (ON CONFLICT DO NOTHING)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _counted(conn: Connection, statement: Any) -> Any:
    # rowcount of INSERT ... SELECT is only kept when asked for (SQLAlchemy 2.x).
    return conn.execute(statement, execution_options={"preserve_rowcount": True})
