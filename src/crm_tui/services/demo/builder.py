"""Realistic, reproducible demo data, fast enough for a million customers.

Faker fills pools of names, streets, companies and products once per seed;
rows are then drawn from the pools with one seeded `random.Random`, which is
what makes 100,000 customers a matter of seconds. Rows go in by batches
(executemany), each batch in its own transaction with its summaries and
search documents, so an interrupted run leaves whole customers only.
Dates are relative to `as_of` (today by default) so due follow-ups and
ending contracts look live; the same seed and `as_of` give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from phonenumbers import PhoneNumber
from sqlalchemy import insert, select, text
from sqlmodel import col

from crm_tui.models import (
    Address,
    BillingGroup,
    ChangeRecord,
    Contact,
    Customer,
    CustomerSearch,
    CustomerSummary,
    CustomerTag,
    Note,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Segment,
    SegmentMember,
    Subscription,
    Tag,
    format_number,
)
from crm_tui.services.common import reserve_ids
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers.contact_points import add_primaries_of
from crm_tui.services.customers.rules import derived_columns
from crm_tui.services.demo import rates as demo_rates
from crm_tui.services.demo.children import CustomerChildren, Rows
from crm_tui.services.demo.figures import dashboard_figures_per_batch
from crm_tui.services.demo.ids import CHILD_ID_TABLES, assign_child_ids
from crm_tui.services.demo.pools import (
    BUSINESS_TYPES,
    INDUSTRIES,
    LOCALES,
    OWNERS,
    SEGMENTS,
    TAGS,
    TERMS,
    Pools,
    ascii_slug,
    build_pools,
    random_number,
)
from crm_tui.services.money import recompute, reporting
from crm_tui.services.phones import search_forms_of
from crm_tui.services.search.document import normalize
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
        self.rng = random.Random(seed)
        self.pools = build_pools(seed)
        self.rows = 0
        self._folded: dict[str, str] = {}

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
        done = 0
        added: list[int] = []
        while done < customers and not (cancelled and cancelled()):
            count = min(BATCH, customers - done)  # read at run time: tests use smaller batches
            with self.ctx.write() as session:
                # Ids are taken inside the batch's own transaction, the way a
                # clerk's insert takes them, so clerks can work beside the demo
                # and a demo stopped at any row leaves every table's next id free.
                ids = reserve_ids(session, Customer, count)
                added += ids
                batch = self._batch(ids, tag_ids, group_ids, segment_ids)
                conn = session.connection()
                with dashboard_figures_per_batch(conn, ids[0], ids[-1]):
                    for model, values in assign_child_ids(session, batch):
                        if values:
                            # Core executemany: one statement per table per batch.
                            conn.execute(insert(model.__table__), values)
                            self.rows += len(values)
                # Amounts in the reporting currency by the services' own formula, in SQL.
                recompute.for_customers(session, ids)
                add_primaries_of(session, ids[0], ids[-1])
            done += count
            if progress:
                progress(count)
        self._after_bulk_load()
        result = DemoResult(customers=done, rows=self.rows, seconds=0.0)
        if self.invoices and done == customers:  # not after an interrupted load
            from crm_tui.services.demo.invoices import DemoInvoices

            told = DemoInvoices(self.ctx, self.rng, self.as_of).add(added)
            result.invoices, result.reminders = told.invoices, told.reminders
        result.seconds = time.perf_counter() - started
        return result

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

    # --- one batch -----------------------------------------------------------

    def _batch(
        self,
        customer_ids: list[int],
        tag_ids: list[int],
        group_ids: list[int],
        segment_ids: dict[str, int],
    ) -> Rows:
        rng = self.rng
        now = datetime(self.as_of.year, self.as_of.month, self.as_of.day, 17, tzinfo=UTC)
        out: Rows = {
            m: [] for m in (Customer, CustomerSummary, CustomerSearch, CustomerTag, SegmentMember,
                            Address, Contact, Subscription, Order, OrderItem, PaymentMethod,
                            Payment, Note, ChangeRecord)
        }  # fmt: skip
        ids = dict.fromkeys(CHILD_ID_TABLES, 0)  # batch-local; assign_child_ids maps them
        for cid in customer_ids:
            values, pool, region, number = self._customer(cid, group_ids, now)
            created = values["created_at"]
            out[Customer].append(values)
            out[ChangeRecord].append({"customer_id": cid, "entity": "customer", "entity_id": cid,
                                      "action": "create", "field": "", "version": 1,
                                      "actor": "demo", "login": "demo", "changed_at": created})  # fmt: skip
            children = CustomerChildren(rng, cid, values, pool, region, created, now, ids, out)
            contact_names = children.make()
            # build_doc's text: normalize() of the parts joined by spaces is the parts'
            # normalize()s joined (no accent or space runs across a space), so the
            # names, drawn from the pools, are folded once each.
            fold = self._fold
            doc = [fold(values["first_name"]), fold(values["last_name"]),
                   fold(values["company_name"] or ""), normalize(values["email"]),
                   normalize(format_number(cid)),
                   *map(normalize, search_forms_of(values["phone"], number)),
                   *(fold(word) for name in contact_names for word in name.split(" "))]  # fmt: skip
            out[CustomerSearch].append({"customer_id": cid, "doc": " ".join(p for p in doc if p)})
            for tag_id in rng.sample(tag_ids, k=rng.choice([0, 0, 1, 1, 2, 3])):
                out[CustomerTag].append({"customer_id": cid, "tag_id": tag_id})
            if values["segment"] == "VIP" and rng.random() < 0.5:
                out[SegmentMember].append(
                    {"segment_id": segment_ids["Hand-picked VIPs"], "customer_id": cid}
                )
        return out

    def _customer(
        self, cid: int, group_ids: list[int], now: datetime
    ) -> tuple[dict[str, Any], Pools, str, PhoneNumber]:
        """The customer row's values (derived columns included), its locale's pool and region,
        and its phone parsed."""
        rng = self.rng
        locale, region, currency, language = rng.choices(LOCALES, weights=[50, 15, 12, 10, 13])[0]
        pool = self.pools[locale]
        business = rng.random() < 0.25
        first, last = rng.choice(pool.first), rng.choice(pool.last)
        company = rng.choice(pool.companies) if business else None
        created = now - timedelta(days=rng.randint(0, 5 * 365), minutes=rng.randint(0, 1440))
        domain = (
            (ascii_slug(company or "").split(".")[0] or "mail") + ".example.com"
            if business
            else rng.choice(["example.com", "example.org", "example.net"])
        )
        email = f"{ascii_slug(first)}.{ascii_slug(last)}.{cid}@{domain}"
        phone, number = random_number(rng, region)
        status = rng.choices(
            ["active", "inactive", "prospect", "churned", "blocked"], weights=[78, 8, 6, 6, 2]
        )[0]
        values: dict[str, Any] = {
            "id": cid, "kind": "business" if business else "individual", "status": status,
            "status_reason": "Repeated chargebacks" if status == "blocked" else None,
            "first_name": first, "last_name": last, "company_name": company,
            "email": email, "phone": phone,
            "date_of_birth": None if business else date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            "registration_number": f"{rng.randint(10_000_000, 99_999_999)}" if business else None,
            "vat_id": f"GB{rng.randint(100_000_000, 999_999_999)}" if business and region == "GB" else None,
            "business_type": rng.choice(BUSINESS_TYPES) if business else None,
            "industry": rng.choice(INDUSTRIES) if business else None,
            "website": f"https://www.{domain}" if business else None,
            "payment_terms": rng.choice(TERMS) if business else None,
            "billing_group_id": rng.choice(group_ids) if business and rng.random() < 0.3 else None,
            "segment": rng.choice(SEGMENTS) if not business else rng.choice(["Wholesale", "Corporate", "Regular"]),
            "loyalty_points": rng.randint(0, 5000) if rng.random() < 0.6 else 0,
            "language": language, "currency": currency,
            "contact_channels": ",".join(c for c in ("email", "phone", "sms", "post") if rng.random() < 0.5),
            "owner": rng.choice(OWNERS), "created_at": created, "updated_at": created, "version": 1,
        }  # fmt: skip
        values.update(derived_columns(values))
        return values, pool, region, number

    def _fold(self, text: str) -> str:
        """normalize() of a pool's name or word, worked out once."""
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = normalize(text)
        return folded
