"""Bulk actions on a set of customers: tag, untag, change status, export.

The set is either hand-marked ids or every match of a search (minus the rows
unmarked since). It is materialised once into a temporary table of ids, then
the work runs in the database (INSERT ... SELECT, UPDATE ... WHERE id IN)
one chunk of ids per transaction, so 100,000 customers never pass through
Python, progress can be reported between chunks, and a cancel leaves whole
chunks done and the rest untouched. History rows are written by the same
statements, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Connection,
    delete,
    exists,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import col

from crm_tui.models import Customer, CustomerTag, Tag
from crm_tui.models.enums import CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services.bulk.chunked import (
    CancelFn,
    Ids,
    IdSelect,
    ProgressFn,
    Run,
    count_ids,
    counted,
    customers,
    insert_new,
    live,
    materialised,
    reading,
    run_in_chunks,
    write_history,
    writing,
)
from crm_tui.services.bulk.selection import Selection
from crm_tui.services.common import ensure_tag
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.roles.policy import Capability
from crm_tui.services.search import SearchFilters, SearchService
from crm_tui.services.validation import clean_text, text_key

CHUNK = 2_000

# CancelFn and ProgressFn are named here for the screens that type their callbacks.
__all__ = ["BulkResult", "BulkService", "CancelFn", "ProgressFn", "Selection"]


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: `changed` of `processed` (of `total`) customers."""

    action: str
    total: int
    processed: int
    changed: int
    cancelled: bool
    path: Path | None = None


class BulkService:
    """Bulk changes and exports over a Selection, chunked, cancellable."""

    def __init__(self, ctx: ServiceContext, search: SearchService | None = None) -> None:
        self.ctx = ctx
        self._search = search or SearchService(ctx)

    # --- public actions --------------------------------------------------------

    def count(self, selection: Selection) -> int:
        """How many customers the selection holds now."""
        with materialised(self.ctx.db.engine, self._search, selection) as (conn, ids):
            return count_ids(conn, ids)

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
        with self._changing(selection) as (conn, ids):
            with writing(conn):
                tag_id = ensure_tag(conn, name)

            def apply(chunk_ids: IdSelect) -> int:
                targets = live(chunk_ids).where(
                    ~exists().where(
                        col(CustomerTag.customer_id) == col(Customer.id),
                        col(CustomerTag.tag_id) == tag_id,
                    )
                )
                # On PostgreSQL a clerk tagging the same customers commits
                # between our look and our insert: skip those pairs, and log
                # only the rows this statement really inserted.
                added = conn.scalars(
                    insert_new(conn, CustomerTag)
                    .from_select(
                        ["customer_id", "tag_id"],
                        targets.with_only_columns(col(Customer.id), literal(tag_id)),
                    )
                    .on_conflict_do_nothing()
                    .returning(col(CustomerTag.customer_id))
                ).all()
                write_history(
                    conn, self.ctx.actor, customers(added), field="tags", old=None, new=name
                )
                return len(added)

            return _result("add tag", run_in_chunks(conn, ids, apply, progress, cancelled, chunk))

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
        with self._changing(selection) as (conn, ids):
            with reading(conn):
                row = conn.execute(
                    select(col(Tag.id), col(Tag.name)).where(col(Tag.name_key) == text_key(name))
                ).first()
            if row is None:
                raise ValidationError("tag", f"There is no tag called {name}.")
            tag_id, stored_name = int(row[0] or 0), str(row[1])

            def apply(chunk_ids: IdSelect) -> int:
                targets = live(chunk_ids).where(
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
                write_history(
                    conn,
                    self.ctx.actor,
                    customers(removed),
                    field="tags",
                    old=stored_name,
                    new=None,
                )
                return len(removed)

            return _result(
                "remove tag", run_in_chunks(conn, ids, apply, progress, cancelled, chunk)
            )

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
        now = utcnow()
        with self._changing(selection) as (conn, ids):

            def apply(chunk_ids: IdSelect) -> int:
                return self._change_status(conn, chunk_ids, status, reason, now)

            return _result(
                "change status", run_in_chunks(conn, ids, apply, progress, cancelled, chunk)
            )

    def _change_status(
        self, conn: Connection, chunk_ids: IdSelect, status: str, reason: str | None, now: datetime
    ) -> int:
        """One chunk of set_status: history rows, then the update; how many changed."""
        movable = live(chunk_ids)
        status_moves = col(Customer.status) != status
        reason_moves = col(Customer.status_reason).is_distinct_from(reason)
        actor = self.ctx.actor
        write_history(
            conn,
            actor,
            movable.where(status_moves),
            field="status",
            old_column="status",
            new=status,
        )
        write_history(
            conn,
            actor,
            movable.where(reason_moves),
            field="status_reason",
            old_column="status_reason",
            new=reason,
        )
        changing = movable.where(or_(status_moves, reason_moves)).with_only_columns(
            col(Customer.id)
        )
        result = counted(
            conn,
            update(Customer)
            .where(col(Customer.id).in_(changing))
            .values(
                status=status,
                status_reason=reason,
                version=col(Customer.version) + 1,
                updated_at=now,
            ),
        )
        return int(result.rowcount or 0)

    def export(
        self,
        selection: Selection,
        path: Path,
        *,
        fmt: str | None = None,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        chunk: int = CHUNK,
    ) -> BulkResult:
        """Write the selected customers to a new file, streaming a chunk at a time.

        The file is written by the one exporter (services.exports, as `crm
        export` writes it): the format is `fmt`, else the file name's suffix,
        else CSV; columns that import back, formula neutralising, numbers left
        as numbers, 0600, in place only when complete (a cancel leaves nothing).
        Every current match with none unmarked is read by the search query
        itself; otherwise the ids are read here with a plain SELECT (no
        temporary table, so it works on a database opened read-only).
        """
        from crm_tui.services.exports.service import ExportSelection, ExportService

        if selection.all_matches and not selection.excluded and not selection.ids:
            which = ExportSelection(  # the search decides, merged customers included, as the list
                query=selection.query,
                filters=selection.filters or SearchFilters(),
                include_merged=True,
            )
        else:
            which = ExportSelection(ids=self._chosen_ids(selection), include_merged=True)
        result = ExportService(self.ctx, self._search).export(
            path, fmt=fmt, selection=which, progress=progress, cancelled=cancelled, batch=chunk
        )
        if result.cancelled:
            return BulkResult("export", result.rows, result.rows, 0, True)
        return BulkResult("export", result.rows, result.rows, result.rows, False, result.path)

    # --- the machinery ----------------------------------------------------------

    def _chosen_ids(self, selection: Selection) -> tuple[int, ...]:
        """The selection's ids, sorted: the marked ones, or every match but the unmarked."""
        if selection.is_empty:
            raise ValidationError("selection", "Mark some customers first.")
        chosen = set(selection.ids)
        if selection.all_matches:
            matching = self._search.matching_ids_query(
                selection.query, selection.filters or SearchFilters()
            ).subquery()
            with self.ctx.read() as session:
                chosen.update(int(i) for i in session.scalars(select(matching.c[0]).distinct()))
            chosen -= set(selection.excluded)
        return tuple(sorted(chosen))

    @contextmanager
    def _changing(self, selection: Selection) -> Iterator[tuple[Connection, Ids]]:
        """`materialised` for a bulk change: refused at once when the role (or --read-only)
        allows no change, and PostgreSQL's own refusal said the same way."""
        self.ctx.require(Capability.CHANGE)
        with (
            self.ctx.refusals(),
            materialised(self.ctx.db.engine, self._search, selection) as found,
        ):
            yield found

    @staticmethod
    def _tag_name(tag: str) -> str:
        name = clean_text("tags", tag, required=True, max_len=64)
        assert name is not None
        return name


def _result(action: str, run: Run) -> BulkResult:
    return BulkResult(action, run.total, run.processed, run.changed, run.cancelled)
