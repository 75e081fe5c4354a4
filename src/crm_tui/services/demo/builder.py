"""Realistic, reproducible demo data, fast enough for a million customers.

Rows are drawn by `generate.DemoRows` (pools from Faker, one seeded
`random.Random`) and go in by batches (one executemany per table), each
batch in its own transaction with its summaries, search documents and
dashboard figures, so an interrupted run leaves whole customers only. The
next batch is drawn while the last is written. Dates are relative to
`as_of` (today by default) so due follow-ups and ending contracts look live;
the same seed and `as_of` give the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, Customer, CustomerSearch, Segment, Tag
from crm_tui.services.common import reserve_ids
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers.contact_points import add_primaries_of
from crm_tui.services.demo import rates as demo_rates
from crm_tui.services.demo.bulk_insert import BulkInsert
from crm_tui.services.demo.figures import dashboard_figures_per_batch
from crm_tui.services.demo.generate import DemoBatch, DemoRows, References
from crm_tui.services.demo.ids import assign_ids
from crm_tui.services.demo.pools import TAGS
from crm_tui.services.money import recompute, reporting
from crm_tui.services.search.bulk_index import insert_documents
from crm_tui.services.validation import text_key

BATCH = 2_000


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
    ) -> None:
        self.ctx = ctx
        self.invoices = invoices
        self.seed = seed
        self.as_of = as_of or date.today()
        self.rows = 0
        self._insert = BulkInsert()

    def run(
        self,
        customers: int,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> DemoResult:
        """Add `customers`, a batch per transaction; `cancelled()` stops between batches."""
        import time

        started = time.perf_counter()
        with self.ctx.write() as session:
            tag_ids, group_ids, segment_ids = self._reference_rows(session)
            demo_rates.seed(session, reporting.currency(session), self.as_of)
        references = References(tag_ids, group_ids, segment_ids["Hand-picked VIPs"])
        draw = DemoRows(self.seed, self.as_of, references)
        sizes = [min(BATCH, customers - start) for start in range(0, customers, BATCH)]
        done = 0
        added: list[int] = []
        # The next batch is drawn in a thread while this one is written: the
        # database driver lets go of the GIL while the database works.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-rows") as drawer:
            coming = drawer.submit(draw.batch, sizes[0]) if sizes else None
            for index, count in enumerate(sizes):
                if coming is None or (cancelled and cancelled()):
                    break
                batch = coming.result()
                nxt = index + 1
                coming = drawer.submit(draw.batch, sizes[nxt]) if nxt < len(sizes) else None
                self._write(batch, count)
                added += [row["id"] for row in batch.rows[Customer]]
                done += count
                if progress:
                    progress(count)
            if coming is not None:
                coming.cancel()
        self._after_bulk_load()
        result = DemoResult(customers=done, rows=self.rows, seconds=0.0)
        if self.invoices and done == customers:  # not after an interrupted load
            from crm_tui.services.demo.invoices import DemoInvoices

            told = DemoInvoices(self.ctx, draw.rng, self.as_of).add(added)
            result.invoices, result.reminders = told.invoices, told.reminders
        result.seconds = time.perf_counter() - started
        return result

    def _write(self, batch: DemoBatch, count: int) -> None:
        """One batch in its own transaction, with its summaries, search documents and figures."""
        with self.ctx.write() as session:
            # Ids are taken inside the batch's own transaction, the way a
            # clerk's insert takes them, so clerks can work beside the demo
            # and a demo stopped at any row leaves every table's next id free.
            ids = reserve_ids(session, Customer, count)
            tables = assign_ids(session, batch.rows, ids)
            batch.stamp(ids)
            conn = session.connection()
            with dashboard_figures_per_batch(conn, ids[0], ids[-1]):
                for model, values in tables:
                    # One executemany per table per batch; on SQLite the full-text
                    # indexes filled once per batch, as an import's are.
                    if model is CustomerSearch:
                        insert_documents(session, values, self._insert_in)
                    else:
                        self._insert.insert(conn, model.__table__, values)
                    self.rows += len(values)
            # Amounts in the reporting currency by the services' own formula, in SQL.
            recompute.for_customers(session, ids)
            add_primaries_of(session, ids[0], ids[-1])

    def _insert_in(self, session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
        self._insert.insert(session.connection(), table, rows)

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
