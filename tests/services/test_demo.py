"""Demo data: reproducible, consistent, and the database stays usable after it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.checks import check_database
from crm_tui.services.demo import DemoBuilder
from crm_tui.services.registry import Services


def test_demo_is_consistent_and_new_customers_still_save(services: Services) -> None:
    """After a demo load, db check passes and an ordinary create gets a fresh id (sequences moved)."""
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15)).run(30)
    report = check_database(services.ctx.db.engine)
    assert report.ok, report.problems
    created = services.customers.create({"first_name": "New", "email": "new.one@example.com"})
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
