"""Demo data: reproducible, consistent, and the database stays usable after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import Customer, InvoiceReminder, Payment, Subscription
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import Services, open_services


def test_demo_is_consistent_and_new_customers_still_save(services: Services) -> None:
    """After a demo load, db check passes and an ordinary create gets a fresh id (sequences moved)."""
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15)).run(30)
    report = check_database(services.ctx.db.engine)
    assert report.ok, report.problems
    created = services.customers.create(
        CustomerCreate(first_name="New", email="new.one@example.com")
    )
    assert created.id == 31


def test_same_seed_gives_same_data(services: Services) -> None:
    """Two runs with one seed and date produce the same customers."""
    first = DemoBuilder(services.ctx, seed=9, as_of=date(2026, 1, 15))
    first.run(10)
    second = DemoBuilder(services.ctx, seed=9, as_of=date(2026, 1, 15))
    second.run(10)
    with services.ctx.read() as session:
        rows = session.execute(
            select(col(Customer.first_name), col(Customer.last_name), col(Customer.phone)).order_by(
                col(Customer.id)
            )
        ).all()
    assert rows[:10] == rows[10:]


def test_demo_seeds_the_example_segments(sqlite_settings: Settings) -> None:
    """The issue's five examples are seeded; "at risk" and "new" count what a hand count finds."""
    as_of = date(2026, 1, 15)
    services = open_services(sqlite_settings)
    try:
        DemoBuilder(services.ctx, seed=3, as_of=as_of).run(120)
        by_name = {s.name: s.id for s in services.segments.list()}
        assert {"High value", "At risk", "New", "Loyal", "Business customers"} <= set(by_name)
        since = datetime.combine(as_of - timedelta(days=30), time.min, tzinfo=UTC)
        with services.ctx.read() as session:
            at_risk = session.scalar(
                select(func.count(func.distinct(Payment.customer_id))).where(
                    col(Payment.status) == "failed", col(Payment.paid_at) >= since
                )
            )
            firsts = (
                select(func.min(Subscription.start_date).label("first"))
                .group_by(col(Subscription.customer_id))
                .subquery()
            )
            new = session.scalar(
                select(func.count())
                .select_from(firsts)
                .where(firsts.c.first >= as_of - timedelta(days=30))
            )
        assert services.segments.count(by_name["At risk"], as_of=as_of) == at_risk
        assert services.segments.count(by_name["New"], as_of=as_of) == new
        assert at_risk and new  # the demo data has some of each
    finally:
        services.close()


def test_demo_tells_invoice_stories(services: Services) -> None:
    """Issued, paid, partly paid, overdue, void invoices, credit notes, an overpayment's credit
    and reminders sent; the database checks out; a second demo adds no invoices."""
    as_of = date(2026, 1, 15)
    result = DemoBuilder(services.ctx, seed=5, as_of=as_of).run(200)
    assert result.invoices > 20 and result.reminders > 0
    invoices = services.invoices.list(limit=1000)
    statuses = {i.status for i in invoices if i.kind == "invoice"}
    assert {"issued", "paid", "partly_paid", "void"} <= statuses
    assert any(i.kind == "credit_note" for i in invoices)
    overdue = services.invoices.list(overdue_on=as_of)
    assert overdue and all(i.due_date is not None and i.due_date < as_of for i in overdue)
    with services.ctx.read() as session:
        sent = session.scalar(select(func.count()).where(col(InvoiceReminder.status) == "sent"))
    assert sent == result.reminders
    held = [
        b.credit
        for cid in {i.customer_id for i in invoices}
        for b in services.invoices.balances(cid)
    ]
    assert any(c > 0 for c in held)
    assert check_database(services.ctx.db.engine).ok
    again = DemoBuilder(services.ctx, seed=6, as_of=as_of).run(20)
    assert again.invoices == 0 and len(services.invoices.list(limit=1000)) == len(invoices)
