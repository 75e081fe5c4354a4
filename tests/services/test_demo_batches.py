"""The demo's batch writing gives what the ordinary write paths give, whatever the batch size.

Rows are drawn before their ids are known (the next batch while the last is
written) and go in per batch without Core's per-row work; the search
documents, summaries, history and dashboard figures are filled per batch.
`crm db check` in full compares each of them with what the services would
write, and the same seed must give the same rows in batches of any size,
with clerks taking ids between the batches or not.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import pytest
from sqlalchemy import text

from crm_tui.config import Settings
from crm_tui.models import format_number
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.demo import builder as demo_module
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.emails import email_key
from crm_tui.services.registry import Services, open_services
from crm_tui.services.search.document import normalize

AS_OF = date(2026, 1, 15)
Drawer = Literal["auto", "thread", "process"]
# Every table the demo writes, with what a row is compared by (not its id: ids move
# when a clerk takes some between batches).
TABLES = {
    "customer": "first_name, last_name, company_name, email, email_key, phone, phone_digits, "
    "sort_name, status, created_at, loyalty_points",
    "customer_search": "doc",
    "customer_summary": "lifetime_value, outstanding_balance, paid_payments, "
    "active_subscriptions, active_monthly, order_count, order_total, last_purchase_at",
    "address": "line1, city, postal_code, country, created_at",
    "contact": "first_name, last_name, email, phone, title",
    "subscription": "product, variant, monthly_amount, start_date, contract_end, status",
    "payment": "paid_at, amount, currency, status, reporting_amount",
    "customer_order": "ordered_at, total",
    "order_item": "description, quantity, unit_price",
    "note": "type, title, body, follow_up_on, done, created_at",
    "change_history": "entity, action, changed_at",
    "customer_tag": "tag_id",
    "contact_point": "kind, value",
}


def snapshot(services: Services, ids: range) -> dict[str, list[Any]]:
    """The rows of the demo customers in `ids` (walk-ins left out), customer by customer,
    without ids: the columns above, e-mails and documents with the customer's number taken out."""
    got: dict[str, list[Any]] = {}
    with services.ctx.read() as session:
        for table, columns in TABLES.items():
            owner = "t.id" if table == "customer" else "t.customer_id"
            join = f"JOIN customer c ON c.id = {owner}"
            if table == "order_item":
                join = "JOIN customer_order o ON o.id = t.order_id JOIN customer c ON c.id = o.customer_id"
            cols = ", ".join(f"t.{c.strip()}" for c in columns.split(","))
            rows = session.execute(
                text(f"SELECT {cols} FROM {table} t {join} WHERE c.id BETWEEN :low AND :high "
                     f"AND c.email NOT LIKE '%@walk-in.example' ORDER BY c.id, {cols}"),
                {"low": ids.start, "high": ids.stop - 1},
            ).all()  # fmt: skip
            got[table] = [tuple(_without_ids(v) for v in row) for row in rows]
    return got


def _without_ids(value: Any) -> Any:
    """E-mails, keys and documents name the customer's id: compare them without it."""
    if isinstance(value, str):
        return re.sub(r"\.\d+@", ".#@", re.sub(r"\bc-\d+\b", "c-#", value))
    return value


def stamped_wrong(services: Services) -> list[int]:
    """Demo customers whose e-mail, e-mail key or search document is not made of their id."""
    with services.ctx.read() as session:
        rows = session.execute(
            text("SELECT c.id, c.email, c.email_key, s.doc FROM customer c "
                 "JOIN customer_search s ON s.customer_id = c.id "
                 "WHERE c.email NOT LIKE '%@walk-in.example'")
        ).all()  # fmt: skip
    return [
        cid
        for cid, email, key, doc in rows
        if f".{cid}@" not in email
        or key != email_key(email)
        or f"{normalize(email)} {normalize(format_number(cid))}" not in doc
    ]


def build(
    services: Services, customers: int, batch: int, clerk_every: int = 0, drawer: Drawer = "auto"
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_module, "BATCH", batch)
        builder = DemoBuilder(services.ctx, seed=11, as_of=AS_OF, invoices=False, drawer=drawer)
        if clerk_every:
            write = builder._write
            calls = {"n": 0}

            def write_after_a_clerk(*args: Any) -> None:
                calls["n"] += 1
                services.customers.create(CustomerCreate(first_name="Walk", last_name="In",
                                          email=f"walk{calls['n']}@walk-in.example"))  # fmt: skip
                write(*args)

            patch.setattr(builder, "_write", write_after_a_clerk)
        builder.run(customers)


@pytest.mark.parametrize("drawer", ["thread", "process"])
def test_batches_give_the_rows_and_checks_of_one_batch(services: Services, drawer: Drawer) -> None:
    """Batches of 7 with a clerk's customer before each (ids shifted: in the drawing process's
    batches, after they were numbered), then the same seed in one batch: the same rows; a
    full check passes (search documents, summaries, figures, history); every e-mail, key and
    document is made of its customer's own id."""
    if drawer == "process" and services.ctx.db.dialect != "sqlite":
        pytest.skip("batches are drawn in a process of their own on SQLite only")
    build(services, 60, batch=7, clerk_every=1, drawer=drawer)
    report = check_database(services.ctx.db.engine, full=True)
    assert report.ok, report.problems
    first_end = services.customers.count() + 1
    assert first_end == 60 + 9 + 1  # a walk-in before each of the 9 batches: ids shifted
    build(services, 60, batch=2_000, drawer=drawer)
    report = check_database(services.ctx.db.engine, full=True)
    assert report.ok, report.problems
    small, whole = (
        snapshot(services, range(1, first_end)),
        snapshot(services, range(first_end, 200)),
    )
    assert small == whole
    assert len(small["customer"]) == 60 and len(small["payment"]) > 60
    assert stamped_wrong(services) == []


def test_quick_processors_store_the_types_own_values() -> None:
    """The bulk insert's quicker, remembering processors (UTC times, dates, amounts, flags)
    store what SQLAlchemy's own processors store, for repeated and equal values too (an
    instant given in another zone, an amount with more places)."""
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal
    from random import Random

    from sqlalchemy import Boolean, Date
    from sqlalchemy.dialects import sqlite

    from crm_tui.models.types import Money, MoneyTotal, UTCDateTime
    from crm_tui.services.demo.bulk_insert import BulkInsert

    dialect = sqlite.dialect()
    bulk = BulkInsert()
    kinds = {name: (bulk._processor(t, dialect), t.dialect_impl(dialect).bind_processor(dialect))
             for name, t in (("time", UTCDateTime()), ("date", Date()), ("money", Money()),
                             ("total", MoneyTotal()), ("flag", Boolean()))}  # fmt: skip
    rng = Random(0)
    for _ in range(3_000):
        when = datetime(1990, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(10**5), microseconds=rng.choice([0, rng.randrange(10**6)])
        )
        amount = Decimal(rng.randrange(-(10**6), 10**6)) / 100
        values: dict[str, list[Any]] = {
            "time": [when, when.astimezone(timezone(timedelta(hours=2))), when],
            "date": [when.date(), when.date()],
            "money": [amount, amount.quantize(Decimal("0.001")), amount],
            "total": [amount, amount],
            "flag": [rng.random() < 0.5, True, False],
        }
        for name, given in values.items():
            quick, own = kinds[name]
            assert quick and own
            assert [quick(v) for v in given] == [own(v) for v in given], (name, given)
    for quick, _own in kinds.values():
        assert quick and quick(None) is None


def test_a_drawing_process_that_dies_stops_the_demo_with_whole_batches(
    sqlite_settings: Settings,
) -> None:
    """The drawing process killed after the first batch: the demo raises saying so, the
    batches written are whole (a full check passes) and a clerk's insert still works."""
    from crm_tui.services.demo import drawer as drawer_module

    services = open_services(sqlite_settings)
    try:
        taken = drawer_module.Drawer.next
        calls = {"n": 0}

        def next_then_die(self: drawer_module.Drawer) -> drawer_module.Ready:
            calls["n"] += 1
            if calls["n"] == 2:
                self._process.kill()
                self._process.wait()
            return taken(self)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo_module, "BATCH", 10)
            patch.setattr(drawer_module, "AHEAD", 1)
            patch.setattr(drawer_module.Drawer, "next", next_then_die)
            builder = DemoBuilder(services.ctx, seed=3, as_of=AS_OF, drawer="process")
            with pytest.raises(RuntimeError, match="drawing process"):
                builder.run(2_000)
        count = services.customers.count()
        assert count % 10 == 0 and 10 <= count < 2_000
        assert check_database(services.ctx.db.engine, full=True).ok
        services.customers.create(CustomerCreate(first_name="Walk", last_name="In",
                                                 email="after@walk-in.example"))  # fmt: skip
    finally:
        services.close()
