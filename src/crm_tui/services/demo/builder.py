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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from faker import Faker
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
from crm_tui.services.customers.rules import derived_columns
from crm_tui.services.demo.ids import CHILD_ID_TABLES, assign_child_ids
from crm_tui.services.search.document import normalize
from crm_tui.services.validation import phone_search_forms, text_key

BATCH = 2_000
LOCALES = [("en_GB", "GB", "GBP", "en"), ("pt_PT", "PT", "EUR", "pt"), ("de_DE", "DE", "EUR", "de"),
           ("fr_FR", "FR", "EUR", "fr"), ("en_US", "US", "USD", "en")]  # fmt: skip
SEGMENTS = ["Regular", "Regular", "Regular", "VIP", "Wholesale", "Corporate"]
TAGS = [("newsletter", "green"), ("vip", "magenta"), ("late-payer", "red"), ("referral", "cyan"),
        ("b2b", "blue"), ("reseller", "yellow"), ("eco", "green"), ("priority", "red")]  # fmt: skip
PRODUCTS = [("Fibre Broadband", ["100 Mb", "500 Mb", "1 Gb"], Decimal("29.99")),
            ("Mobile Plan", ["5 GB", "20 GB", "Unlimited"], Decimal("12.50")),
            ("Smart Router", ["WiFi 6", "WiFi 7"], Decimal("6.99")),
            ("TV Package", ["Basic", "Sports", "Cinema"], Decimal("19.00")),
            ("Cloud Backup", ["100 GB", "1 TB"], Decimal("4.99")),
            ("Security Camera", ["Indoor", "Outdoor"], Decimal("9.99"))]  # fmt: skip
ORDER_ITEMS = [("USB-C cable", Decimal("9.99")), ("Installation visit", Decimal("49.00")),
               ("Wall mount", Decimal("24.50")), ("Power adapter", Decimal("15.00")),
               ("Mesh extender", Decimal("79.00")), ("Ethernet cable 5m", Decimal("7.25"))]  # fmt: skip
NOTE_TITLES = [("call", "Called about the last invoice"), ("email", "Sent the welcome pack"),
               ("meeting", "Quarterly account review"), ("task", "Check router delivery"),
               ("note", "Prefers contact in the morning"), ("call", "Reported slow connection"),
               ("task", "Renewal quote to send"), ("note", "Asked about the loyalty scheme")]  # fmt: skip
INDUSTRIES = ["Retail", "Hospitality", "Healthcare", "Construction", "Education", "Logistics",
              "Software", "Manufacturing", "Legal", "Agriculture"]  # fmt: skip
BUSINESS_TYPES = ["Ltd", "LLP", "Sole trader", "PLC", "Partnership", "Charity"]
TERMS = ["Net 7", "Net 14", "Net 30", "Net 60"]
CARD_BRANDS = [("Visa", "4"), ("Mastercard", "5"), ("American Express", "37")]
OWNERS = ["alice", "bruno", "chen", "dara", "emma"]


@dataclass
class Pools:
    """Values drawn once per locale from Faker."""

    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def build_pools(seed: int) -> dict[str, Pools]:
    pools: dict[str, Pools] = {}
    for index, (locale, *_rest) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 31 + index)
        pool = Pools()
        pool.first = [fake.first_name() for _ in range(400)]
        pool.last = [fake.last_name() for _ in range(600)]
        pool.streets = [fake.street_address().replace("\n", ", ") for _ in range(400)]
        pool.cities = [fake.city() for _ in range(150)]
        pool.postcodes = [fake.postcode() for _ in range(400)]
        pool.companies = [fake.company() for _ in range(300)]
        pool.jobs = [fake.job()[:60] for _ in range(80)]
        pool.sentences = [fake.sentence(nb_words=12) for _ in range(200)]
        pools[locale] = pool
    return pools


def _phone(rng: random.Random, region: str) -> str:
    while True:
        if region == "GB":
            # 07[4579]: mobile ranges (076 is pagers).
            raw = "+447" + rng.choice("4579") + str(rng.randint(10_000_000, 99_999_999))
        elif region == "PT":
            raw = "+3519" + rng.choice("1236") + str(rng.randint(1_000_000, 9_999_999))
        elif region == "DE":
            raw = "+4915" + str(rng.randint(10, 79)) + str(rng.randint(1_000_000, 9_999_999))
        elif region == "FR":
            raw = "+336" + str(rng.randint(10_000_000, 99_999_999))
        else:
            raw = "+1" + rng.choice(["201", "212", "305", "415", "617", "646", "718", "917"])
            raw += str(rng.randint(2, 9)) + str(rng.randint(10, 99)) + str(rng.randint(1000, 9999))
        if phonenumbers.is_valid_number(phonenumbers.parse(raw)):
            return raw


def _ascii(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum() or ch == " ").replace(" ", ".")


@dataclass
class DemoResult:
    customers: int
    rows: int
    seconds: float


class DemoBuilder:
    """Generates and inserts demo customers with all their child rows."""

    def __init__(self, ctx: ServiceContext, *, seed: int = 42, as_of: date | None = None) -> None:
        self.ctx = ctx
        self.seed = seed
        self.as_of = as_of or date.today()
        self.rng = random.Random(seed)
        self.pools = build_pools(seed)
        self.rows = 0

    def run(self, customers: int, progress: Callable[[int], None] | None = None) -> DemoResult:
        import time

        started = time.perf_counter()
        with self.ctx.write() as session:
            tag_ids, group_ids, segment_ids = self._reference_rows(session)
        done = 0
        while done < customers:
            count = min(BATCH, customers - done)  # read at run time: tests use smaller batches
            with self.ctx.write() as session:
                # Ids are taken inside the batch's own transaction, the way a
                # clerk's insert takes them, so clerks can work beside the demo
                # and a demo stopped at any row leaves every table's next id free.
                ids = reserve_ids(session, Customer, count)
                batch = self._batch(ids, tag_ids, group_ids, segment_ids)
                conn = session.connection()
                for model, values in assign_child_ids(session, batch):
                    if values:
                        # Core executemany: one statement per table per batch.
                        conn.execute(insert(model.__table__), values)
                        self.rows += len(values)
            done += count
            if progress:
                progress(count)
        self._after_bulk_load()
        return DemoResult(
            customers=customers, rows=self.rows, seconds=time.perf_counter() - started
        )

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
    ) -> dict[type[Any], list[dict[str, Any]]]:
        rng = self.rng
        now = datetime(self.as_of.year, self.as_of.month, self.as_of.day, 17, tzinfo=UTC)
        out: dict[type[Any], list[dict[str, Any]]] = {
            m: [] for m in (Customer, CustomerSummary, CustomerSearch, CustomerTag, SegmentMember,
                            Address, Contact, Subscription, Order, OrderItem, PaymentMethod,
                            Payment, Note, ChangeRecord)
        }  # fmt: skip
        ids = dict.fromkeys(CHILD_ID_TABLES, 0)  # batch-local; assign_child_ids maps them
        for cid in customer_ids:
            locale, region, currency, language = rng.choices(LOCALES, weights=[50, 15, 12, 10, 13])[
                0
            ]
            pool = self.pools[locale]
            business = rng.random() < 0.25
            first, last = rng.choice(pool.first), rng.choice(pool.last)
            company = rng.choice(pool.companies) if business else None
            created = now - timedelta(days=rng.randint(0, 5 * 365), minutes=rng.randint(0, 1440))
            domain = (
                (_ascii(company or "").split(".")[0] or "mail") + ".example.com"
                if business
                else rng.choice(["example.com", "example.org", "example.net"])
            )
            email = f"{_ascii(first)}.{_ascii(last)}.{cid}@{domain}"
            phone = _phone(rng, region)
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
            out[Customer].append(values)
            out[ChangeRecord].append({"customer_id": cid, "entity": "customer", "entity_id": cid,
                                      "action": "create", "field": "", "version": 1,
                                      "actor": "demo", "changed_at": created})  # fmt: skip
            contact_names = self._children(cid, values, pool, region, created, now, ids, out)
            doc_parts = [
                first,
                last,
                company or "",
                email,
                format_number(cid),
                *phone_search_forms(phone),
                *contact_names,
            ]
            out[CustomerSearch].append(
                {"customer_id": cid, "doc": normalize(" ".join(p for p in doc_parts if p))}
            )
            for tag_id in rng.sample(tag_ids, k=rng.choice([0, 0, 1, 1, 2, 3])):
                out[CustomerTag].append({"customer_id": cid, "tag_id": tag_id})
            if values["segment"] == "VIP" and rng.random() < 0.5:
                out[SegmentMember].append(
                    {"segment_id": segment_ids["Hand-picked VIPs"], "customer_id": cid}
                )
        return out

    def _children(
        self,
        cid: int,
        customer: dict[str, Any],
        pool: Pools,
        region: str,
        created: datetime,
        now: datetime,
        ids: dict[str, int],
        out: dict[type[Any], list[dict[str, Any]]],
    ) -> list[str]:
        rng = self.rng
        currency = customer["currency"]
        for index in range(rng.choice([1, 1, 1, 2])):
            ids["address"] += 1
            out[Address].append({"id": ids["address"], "customer_id": cid, "kind": "billing" if index == 0 else "shipping",
                                 "line1": rng.choice(pool.streets), "line2": None, "city": rng.choice(pool.cities),
                                 "region": None, "postal_code": rng.choice(pool.postcodes), "country": region,
                                 "is_default_billing": index == 0, "created_at": created, "version": 1})  # fmt: skip
        contact_names: list[str] = []
        if customer["kind"] == "business":
            for index in range(rng.randint(1, 3)):
                ids["contact"] += 1
                first, last = rng.choice(pool.first), rng.choice(pool.last)
                contact_names.append(f"{first} {last}")
                out[Contact].append({"id": ids["contact"], "customer_id": cid, "first_name": first, "last_name": last,
                                     "email": f"{_ascii(first)}.{_ascii(last)}@{customer['email'].split('@')[1]}",
                                     "phone": _phone(rng, region), "title": rng.choice(pool.jobs),
                                     "department": rng.choice(["Finance", "IT", "Operations", "Purchasing"]),
                                     "is_primary": index == 0, "created_at": created, "version": 1})  # fmt: skip
        method_id = None
        if rng.random() < 0.7:
            ids["payment_method"] += 1
            method_id = ids["payment_method"]
            brand, prefix = rng.choice(CARD_BRANDS)
            out[PaymentMethod].append({"id": method_id, "customer_id": cid, "brand": brand,
                                       "bin": (prefix + str(rng.randint(10**5, 10**6 - 1)))[:6],
                                       "last4": f"{rng.randint(0, 9999):04d}", "exp_month": rng.randint(1, 12),
                                       "exp_year": now.year + rng.randint(0, 5),
                                       "holder_name": f"{customer['first_name']} {customer['last_name']}",
                                       "is_default": True, "created_at": created, "version": 1})  # fmt: skip
        figures: dict[str, Any] = {"lifetime_value": Decimal("0.00"), "outstanding_balance": Decimal("0.00"), "paid_payments": 0,
                   "active_subscriptions": 0, "ended_subscriptions": 0, "active_monthly": Decimal("0.00"),
                   "order_count": 0, "order_total": Decimal("0.00"), "last_purchase_at": None}  # fmt: skip

        def pay(
            when: datetime, amount: Decimal, subscription_id: int | None, order_id: int | None
        ) -> None:
            status = rng.choices(["paid", "failed", "pending", "refunded"], weights=[90, 5, 3, 2])[
                0
            ]
            ids["payment"] += 1
            out[Payment].append({"id": ids["payment"], "customer_id": cid, "paid_at": when, "amount": amount,
                                 "currency": currency, "status": status, "subscription_id": subscription_id,
                                 "order_id": order_id, "payment_method_id": method_id,
                                 "reference": None, "created_at": when, "version": 1})  # fmt: skip
            if status == "paid":
                figures["lifetime_value"] += amount
                figures["paid_payments"] += 1
                if figures["last_purchase_at"] is None or when > figures["last_purchase_at"]:
                    figures["last_purchase_at"] = when
            elif status in ("failed", "pending"):
                figures["outstanding_balance"] += amount

        active_statuses = customer["status"] in ("active", "blocked")
        for _ in range(rng.choices([0, 1, 2, 3], weights=[25, 45, 22, 8])[0]):
            product, variants, price = rng.choice(PRODUCTS)
            start = (created + timedelta(days=rng.randint(0, 60))).date()
            if start > now.date():
                start = now.date()
            ended = not active_statuses or rng.random() < 0.2
            months_running = max(1, (now.date() - start).days // 30)
            end = (
                start + timedelta(days=30 * rng.randint(1, months_running))
                if ended
                else start + timedelta(days=365 * rng.choice([1, 2]))
            )
            if not ended and end < now.date():
                end = now.date() + timedelta(days=rng.randint(1, 300))
            ids["subscription"] += 1
            sid = ids["subscription"]
            amount = price + Decimal(rng.randint(0, 3) * 5)
            out[Subscription].append({"id": sid, "customer_id": cid, "product": product, "variant": rng.choice(variants),
                                      "asset_serial": f"SN-{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.6 else None,
                                      "monthly_amount": amount, "currency": currency, "start_date": start,
                                      "contract_end": end, "next_payment_date": None if ended else now.date() + timedelta(days=rng.randint(1, 28)),
                                      "status": "ended" if ended else "active", "created_at": created, "version": 1})  # fmt: skip
            figures["ended_subscriptions" if ended else "active_subscriptions"] += 1
            if not ended:
                figures["active_monthly"] += amount
            paid_until = min(end, now.date())
            months = min(6, max(1, (paid_until - start).days // 30))
            for month in range(months):
                when = datetime(paid_until.year, paid_until.month, 1, 9, tzinfo=UTC) - timedelta(
                    days=30 * month
                )
                pay(
                    max(when, datetime(start.year, start.month, start.day, 9, tzinfo=UTC)),
                    amount,
                    sid,
                    None,
                )
        for _ in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            ids["customer_order"] += 1
            oid = ids["customer_order"]
            when = created + timedelta(days=rng.randint(0, max(0, (now - created).days)))
            total = Decimal("0.00")
            for _line in range(rng.randint(1, 3)):
                description, price = rng.choice(ORDER_ITEMS)
                quantity = rng.randint(1, 3)
                total += price * quantity
                ids["order_item"] += 1
                out[OrderItem].append({"id": ids["order_item"], "order_id": oid, "description": description,
                                       "quantity": quantity, "unit_price": price})  # fmt: skip
            out[Order].append({"id": oid, "customer_id": cid, "ordered_at": when, "status": "paid",
                               "total": total, "currency": currency, "version": 1})  # fmt: skip
            figures["order_count"] += 1
            figures["order_total"] += total
            pay(when, total, None, oid)
        for _ in range(rng.choices([0, 1, 2, 3], weights=[40, 30, 20, 10])[0]):
            kind, title = rng.choice(NOTE_TITLES)
            ids["note"] += 1
            follow = (
                now.date() + timedelta(days=rng.randint(-10, 30))
                if kind == "task" or rng.random() < 0.1
                else None
            )
            out[Note].append({"id": ids["note"], "customer_id": cid, "type": kind, "title": title,
                              "body": rng.choice(pool.sentences), "follow_up_on": follow,
                              "done": follow is not None and rng.random() < 0.3, "pinned": rng.random() < 0.08,
                              "visibility": "internal" if rng.random() < 0.85 else "customer",
                              "author": rng.choice(OWNERS),
                              "created_at": created + timedelta(days=rng.randint(0, max(0, (now - created).days))),
                              "version": 1})  # fmt: skip
        out[CustomerSummary].append({"customer_id": cid, **figures})
        return contact_names
