"""Realistic, reproducible demo data, fast enough for a million customers.

Rows are drawn by `generate.DemoRows` (pools from Faker, one seeded
`random.Random`) and go in by batches (one executemany per table), each
batch in its own transaction with its summaries, search documents and
dashboard figures, so an interrupted run leaves whole customers only. The
next batch is drawn while the last is written: in a thread, or for a large
load on SQLite in a process of its own (drawer.py), same rows. Dates are relative to
`as_of` (today by default) so due follow-ups and ending contracts look live;
the same seed and `as_of` give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Literal

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, Customer, CustomerSearch, Segment, Tag
from crm_tui.services.common import reserve_ids
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers.contact_points import add_primaries_of
from crm_tui.services.demo import rates as demo_rates
from crm_tui.services.demo.bulk_insert import BulkInsert, execute_many
from crm_tui.services.demo.drawer import Ready, drawing, shift
from crm_tui.services.demo.figures import dashboard_figures_per_batch
from crm_tui.services.demo.generate import DemoBatch, DemoRows, References
from crm_tui.services.demo.ids import assign_ids, last_ids
from crm_tui.services.demo.load_indexes import set_aside
from crm_tui.services.demo.pools import TAGS
from crm_tui.services.money import recompute, reporting
from crm_tui.services.search.bulk_index import insert_documents
from crm_tui.services.validation import text_key

BATCH = 2_000
# From this many customers on SQLite, batches are drawn in a process of their own
# (drawer.py): starting it costs about a second, a thread draws a small demo sooner.
PROCESS_FROM = 20_000
Wrote = Callable[[Sequence[int]], None]
Writes = list[tuple[str, int, Callable[[], None]]]


@dataclass
class DemoResult:
    customers: int
    rows: int
    seconds: float
    invoices: int = 0
    reminders: int = 0


class DemoBuilder:
    """Generates and inserts demo customers with all their child rows."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        seed: int = 42,
        as_of: date | None = None,
        invoices: bool = True,
        drawer: Literal["auto", "thread", "process"] = "auto",
        indexes_later: bool = False,
    ) -> None:
        self.ctx = ctx
        # A new database nobody else uses, thrown away unless whole (new_database.py).
        self.indexes_later = indexes_later
        self.drawer = drawer
        self.invoices = invoices
        self.seed = seed
        self.as_of = as_of or date.today()
        self.rows = 0
        self._insert = BulkInsert()
        self._analysed_at = 0  # the last customer id when statistics were last renewed

    def run(
        self,
        customers: int,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        phase: Callable[[str], None] | None = None,
    ) -> DemoResult:
        """Add `customers`, a batch per transaction; `cancelled()` stops between batches.
        `phase(words)` is told what is done after the load ("Building indexes", ...).

        With `indexes_later`, the indexes a load fills out of order are dropped for it
        and made at the end; a load stopped before the end returns without them (its
        database is to be thrown away)."""
        import time

        started = time.perf_counter()
        in_process = self._in_process(customers)
        now_doing = phase or (lambda _words: None)
        with self.ctx.write() as session:
            tag_ids, group_ids, segment_ids = self._reference_rows(session)
            demo_rates.seed(session, reporting.currency(session), self.as_of)
            bases = last_ids(session) if in_process else {}
            later = self.indexes_later and self.ctx.db.dialect == "sqlite"
            aside = set_aside(session.connection()) if later else None
        references = References(tag_ids, group_ids, segment_ids["Hand-picked VIPs"])
        sizes = [min(BATCH, customers - start) for start in range(0, customers, BATCH)]
        added: list[int] = []

        def wrote(ids: Sequence[int]) -> None:
            added.extend(ids)
            if progress:
                progress(len(ids))

        stop = cancelled or (lambda: False)
        if in_process:
            rng = self._load_drawn(references, sizes, bases, wrote, stop)
        else:
            rng = self._load_threaded(references, sizes, wrote, stop)
        result = DemoResult(customers=len(added), rows=self.rows, seconds=0.0)
        if aside is not None:
            if rng is None:
                result.seconds = time.perf_counter() - started
                return result
            now_doing("Building indexes")
            aside.make_again(self.ctx.db.engine)
        now_doing("Updating statistics")
        self._after_bulk_load()
        if self.invoices and rng is not None:  # not after an interrupted load
            from crm_tui.services.demo.invoices import DemoInvoices

            now_doing("Issuing invoices")
            told = DemoInvoices(self.ctx, rng, self.as_of).add(added)
            result.invoices, result.reminders = told.invoices, told.reminders
        result.seconds = time.perf_counter() - started
        return result

    def _in_process(self, customers: int) -> bool:
        if self.ctx.db.dialect != "sqlite" or self.drawer == "thread":
            return False
        return self.drawer == "process" or customers >= PROCESS_FROM

    def _load_threaded(
        self, references: References, sizes: list[int], wrote: Wrote, stop: Callable[[], bool]
    ) -> random.Random | None:
        """Batches drawn in a thread, the next while this one is written: the database
        driver lets go of the GIL while the database works. The generator when all are in."""
        draw = DemoRows(self.seed, self.as_of, references)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-rows") as drawer:
            coming = drawer.submit(draw.batch, sizes[0]) if sizes else None
            for index, count in enumerate(sizes):
                if coming is None or stop():
                    coming and coming.cancel()
                    return None
                batch = coming.result()
                nxt = index + 1
                coming = drawer.submit(draw.batch, sizes[nxt]) if nxt < len(sizes) else None
                self._write(batch, count)
                wrote([row["id"] for row in batch.rows[Customer]])
        return draw.rng

    def _load_drawn(
        self,
        references: References,
        sizes: list[int],
        bases: dict[str, int],
        wrote: Wrote,
        stop: Callable[[], bool],
    ) -> random.Random | None:
        """Batches drawn in a process of their own (drawer.py). The generator when all are in."""
        with drawing(self.seed, self.as_of, references, sizes, bases) as drawer:
            for count in sizes:
                if stop():
                    return None
                ready = drawer.next()
                self._write(ready, count)
                drawer.committed(ready)
                first = (ready.placed or ready.bases)["customer"] + 1
                wrote(range(first, first + count))
            return drawer.finish()

    def _write(self, batch: DemoBatch | Ready, count: int) -> None:
        """One batch in its own transaction, with its summaries, search documents and figures."""
        with self.ctx.write() as session:
            conn = session.connection()
            # Ids are taken inside the batch's own transaction, the way a
            # clerk's insert takes them, so clerks can work beside the demo
            # and a demo stopped at any row leaves every table's next id free.
            ids: Sequence[int]
            if isinstance(batch, Ready):
                ids, writes = self._placed(session, batch)
            else:
                ids, writes = self._numbered(session, batch, count)
            with dashboard_figures_per_batch(conn, ids[0], ids[-1]):
                for name, rows, write in writes:
                    # One executemany per table per batch; on SQLite the full-text
                    # indexes filled once per batch, as an import's are.
                    if name == CustomerSearch.__tablename__:
                        insert_documents(session, ids, write)
                    else:
                        write()
                    self.rows += rows
            self._fresh_statistics(conn, ids[-1], [name for name, _rows, _write in writes])
            # Amounts in the reporting currency by the services' own formula, in SQL.
            recompute.for_customers(session, ids)
            add_primaries_of(session, ids[0], ids[-1])

    def _fresh_statistics(self, conn: Connection, last_id: int, tables: list[str]) -> None:
        """PostgreSQL: the planner's statistics of the tables a batch wrote, renewed each
        time the customers have doubled. Planned from a fresh database's statistics (none,
        or autovacuum's of far fewer rows), the batch's summary UPDATE scanned the tables
        it reads instead of using their indexes: 8 s for the first 2,000 customers, 34 s
        for the fifth 2,000, against 0.4 s planned from current statistics. ANALYZE counts
        this transaction's own new rows; at a million customers it runs about ten times."""
        if self.ctx.db.dialect != "postgresql" or last_id < 2 * self._analysed_at:
            return
        conn.exec_driver_sql("ANALYZE " + ", ".join(sorted(tables)))  # model table names
        self._analysed_at = max(last_id, 1)

    def _numbered(self, session: Session, batch: DemoBatch, count: int) -> tuple[list[int], Writes]:
        """A batch drawn in this process: ids reserved, rows renumbered and stamped."""
        ids = reserve_ids(session, Customer, count)
        tables = assign_ids(session, batch.rows, ids)
        batch.stamp(ids)
        conn = session.connection()
        return ids, [(model.__tablename__, len(values),
                      partial(self._insert.insert, conn, model.__table__, values))
                     for model, values in tables]  # fmt: skip

    def _placed(self, session: Session, ready: Ready) -> tuple[range, Writes]:
        """A batch drawn in the drawing process: its ids checked (shifted past what was
        written since it was drawn), its parameters ready."""
        ready.placed = last_ids(session)
        if ready.placed != ready.bases:
            shift(ready, ready.placed)
        first = ready.placed["customer"] + 1
        conn = session.connection()
        return range(first, first + ready.customers), [
            (t.name, len(t.params), partial(execute_many, conn, t.sql, t.params))
            for t in ready.tables
        ]

    def _after_bulk_load(self) -> None:
        """Refresh the planner's statistics after a large load."""
        if self.ctx.db.dialect != "postgresql":
            # In a write transaction: optimize may ANALYZE, and a read transaction
            # that turns writer fails at once ("locked") when a clerk is writing.
            with self.ctx.write() as session:
                session.execute(text("PRAGMA optimize"))
            return
        with self.ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")

    # --- reference data ------------------------------------------------------

    def _reference_rows(self, session: Any) -> tuple[list[int], list[int], dict[str, int]]:
        tag_ids = []
        for name, color in TAGS:
            existing = session.scalar(
                select(col(Tag.id)).where(col(Tag.name_key) == text_key(name))
            )
            if existing is None:
                tag = Tag(name=name, name_key=text_key(name), color=color)
                session.add(tag)
                session.flush()
                existing = tag.id
            tag_ids.append(existing)
        group_ids = []
        for name in ("North region accounts", "Head office", "Franchise partners", "Public sector"):
            existing = session.scalar(
                select(col(BillingGroup.id)).where(col(BillingGroup.name) == name)
            )
            if existing is None:
                group = BillingGroup(name=name)
                session.add(group)
                session.flush()
                existing = group.id
            group_ids.append(existing)
        segment_ids: dict[str, int] = {}
        specs = [
            ("Hand-picked VIPs", "static", "Customers the account team looks after personally.", None),
            ("High value", "dynamic", "Lifetime value over 1,000.",
             '{"match": "all", "rules": [{"field": "lifetime_value", "op": "gt", "value": "1000"}]}'),
            ("Business customers", "dynamic", "Every business customer.",
             '{"match": "all", "rules": [{"field": "kind", "op": "eq", "value": "business"}]}'),
            ("Loyal", "dynamic", "Two or more active subscriptions.",
             '{"match": "all", "rules": [{"field": "active_subscriptions", "op": "gte", "value": "2"}]}'),
            ("At risk", "dynamic", "A failed payment in the last 30 days.",
             '{"match": "all", "rules": [{"field": "failed_payment", "op": "within", "value": "30"}]}'),
            ("New", "dynamic", "First subscription in the last 30 days.",
             '{"match": "all", "rules": [{"field": "first_subscription", "op": "within", "value": "30"}]}'),
        ]  # fmt: skip
        for name, kind, description, rules in specs:
            existing = session.scalar(select(col(Segment.id)).where(col(Segment.name) == name))
            if existing is None:
                segment = Segment(name=name, kind=kind, description=description, rules=rules)
                session.add(segment)
                session.flush()
                existing = segment.id
            segment_ids[name] = existing
        return tag_ids, group_ids, segment_ids
