"""The dashboard's day-by-day figures equal a count from scratch after any changes.

Random sequences of subscription changes (added in every status, ended,
edited, deleted, moved by a merge, erased with their customer, and ended
many at once in one statement), on both engines: after each sequence the
panels read from the tables (customers active, churn, recurring income per
currency) equal the same figures worked out in Python from the subscription
rows, for a random as_of, and `crm db check` finds nothing. A tampered
table is found by the check and mended by repair.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlmodel import col

from crm_tui.models import Customer, Subscription, format_number
from crm_tui.services.billing.inputs import SubscriptionCreate, SubscriptionUpdate
from crm_tui.services.checks import dashboard
from crm_tui.services.checks.database import check_database
from crm_tui.services.checks.repair import repair_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.dashboard.periods import month_ends, trend_days
from crm_tui.services.errors import CrmError
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services

BASE = date(2025, 1, 1)
FOREVER = date.max
days_off = st.integers(min_value=0, max_value=540)
CUSTOMERS = 4

op = st.one_of(
    st.tuples(
        st.just("add"),
        st.integers(0, CUSTOMERS - 1),
        st.sampled_from(["active", "active", "ended", "paused"]),
        days_off,
        st.one_of(st.none(), st.integers(0, 300)),
        st.sampled_from(["9.99", "10", "0.01", "1250.50"]),
        st.sampled_from(["GBP", "GBP", "EUR"]),
    ),
    st.tuples(st.just("end"), st.integers(0, 50), days_off),
    st.tuples(
        st.just("edit"),
        st.integers(0, 50),
        st.sampled_from(["monthly_amount", "currency", "start_date", "status", "contract_end"]),
        days_off,
    ),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("merge"), st.integers(0, CUSTOMERS - 1), st.integers(0, CUSTOMERS - 1)),
    st.tuples(st.just("erase"), st.integers(0, CUSTOMERS - 1)),
    st.tuples(st.just("end_all"), days_off),
)


def _apply(services: Services, customers: list[tuple[int, str]], step: tuple[Any, ...]) -> None:
    with services.ctx.read() as session:
        subs = list(session.scalars(select(col(Subscription.id)).order_by(col(Subscription.id))))
    kind = step[0]
    billing = services.billing
    if kind == "add":
        _, who, status, start, length, amount, currency = step
        first = BASE + timedelta(days=start)
        values: dict[str, Any] = {"product": "Plan", "monthly_amount": amount,
                                  "currency": currency, "status": status, "start_date": first}  # fmt: skip
        if length is not None:
            values["contract_end"] = first + timedelta(days=length)
        billing.add_subscription(customers[who][0], SubscriptionCreate(**values))
    elif kind in ("end", "edit", "delete") and subs:
        sid = subs[step[1] % len(subs)]
        if kind == "end":
            billing.end_subscription(sid, on=BASE + timedelta(days=step[2]))
        elif kind == "delete":  # no service deletes one; a writer that goes round them
            with services.ctx.write() as session:
                session.execute(text("DELETE FROM subscription WHERE id = :id"), {"id": sid})
        else:
            field, off = step[2], step[3]
            value: object = {
                "monthly_amount": str(Decimal(off) / 7)[:8],
                "currency": "EUR" if off % 2 else "GBP",
                "start_date": BASE + timedelta(days=off),
                "status": ["active", "ended", "paused"][off % 3],
                "contract_end": BASE + timedelta(days=off),
            }[field]
            billing.update_subscription(sid, SubscriptionUpdate(**{field: value}))
    elif kind == "merge" and step[1] != step[2]:
        MergeService(services.ctx).merge(
            [customers[step[1]][0], customers[step[2]][0]], keep=customers[step[2]][0]
        )
    elif kind == "erase":
        services.customers.erase(customers[step[1]][0], confirm=customers[step[1]][1])
    elif kind == "end_all":  # one statement, many rows and customers
        day = BASE + timedelta(days=step[1])
        with services.ctx.write() as session:
            session.execute(
                text(
                    "UPDATE subscription SET status = 'ended', contract_end = :day "
                    "WHERE status = 'active' AND start_date <= :day"
                ),
                {"day": day},
            )


def _from_scratch(
    services: Services, days: list[date]
) -> tuple[list[int], list[int], dict[str, list[Decimal]]]:
    """Active customers per day, lost between days, income per currency: in Python."""
    with services.ctx.read() as session:
        rows = session.execute(
            select(
                col(Subscription.customer_id),
                col(Subscription.status),
                col(Subscription.start_date),
                col(Subscription.contract_end),
                col(Subscription.monthly_amount),
                col(Subscription.currency),
            )
        ).all()

    def runs(status: str, start: date, end: date | None, day: date) -> bool:
        if status == "active":
            return start <= day
        return status == "ended" and end is not None and start <= day < end

    flags = [
        {cid for cid, status, start, end, *_ in rows if runs(status, start, end, day)}
        for day in days
    ]
    income: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * len(days))
    for _cid, status, start, end, amount, currency in rows:
        for i, day in enumerate(days):
            if runs(status, start, end, day):
                income[currency][i] += amount
    lost = [len(flags[i - 1] - flags[i]) for i in range(1, len(days))]
    return [len(f) for f in flags], lost, {c: v for c, v in income.items() if any(v)}


def _customers(services: Services) -> list[tuple[int, str]]:
    made = [
        services.customers.create(
            CustomerCreate(first_name=f"P{i}", last_name="Snap", email=f"p{i}@example.com")
        )
        for i in range(CUSTOMERS)
    ]
    return [(c.id, c.number) for c in made]


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(op, min_size=1, max_size=12), as_of=days_off)
def test_figures_equal_a_count_from_scratch(
    services: Services, steps: list[tuple[Any, ...]], as_of: int
) -> None:
    """After any changes the panels' figures equal the figures counted from the subscriptions."""
    # Examples share the test's database: the first makes the customers, the rest reuse them.
    with services.ctx.read() as session:
        found = list(session.scalars(select(col(Customer.id)).order_by(col(Customer.id))))
    customers = [(int(i or 0), format_number(int(i or 0))) for i in found] or _customers(services)
    for step in steps:
        with contextlib.suppress(CrmError):  # refused (ended twice, erased...): nothing changed
            _apply(services, customers, step)
    day = BASE + timedelta(days=as_of)
    dash = services.dashboard
    active, lost, _income = _from_scratch(services, trend_days(day, 12))
    trend = dash.customers_over_time(as_of=day)
    churn = dash.churn(as_of=day)
    assert list(trend.active) == active[1:]
    assert list(churn.whole) == active[:-1]
    assert list(churn.part) == lost
    _a, _l, income = _from_scratch(services, month_ends(day, 12))
    series = dash.recurring_income(as_of=day)
    assert {c: list(v) for c, v in series.by_currency.items()} == income
    with services.ctx.db.engine.connect() as conn:
        assert dashboard.dashboard_problems(conn) == []


def test_check_finds_a_tampered_table_and_repair_mends_it(services: Services) -> None:
    """A changed, added or removed row is a problem for `crm db check`; repair rebuilds."""
    (cid, _number), *_ = _customers(services)
    billing = services.billing
    for start, end in (("2025-01-10", None), ("2025-03-01", "2025-05-01")):
        billing.add_subscription(
            cid,
            SubscriptionCreate(product="Plan", monthly_amount="12", start_date=start,
                               contract_end=end, status="ended" if end else "active"),
        )  # fmt: skip
    engine = services.ctx.db.engine
    tampering = [
        "UPDATE dashboard_income SET amount = amount + 1",
        "DELETE FROM activity_span",
        "INSERT INTO dashboard_active (day, customers) VALUES ('2025-02-02', 3)",
    ]
    for statement in tampering:
        with engine.begin() as conn:
            conn.execute(text(statement))
        report = check_database(engine)
        assert any("dashboard's figures" in p for p in report.problems), statement
        repaired = repair_database(engine)
        assert "Rebuilt the dashboard's figures from the subscriptions." in repaired.done
        assert repaired.ok, repaired.after.problems
    assert services.dashboard.customers_over_time(as_of=date(2025, 4, 15)).active[-1] == 1


def test_a_customer_back_and_gone_again_within_a_month_is_lost_once(services: Services) -> None:
    """Churn counts a customer who came back and left again in the same month as lost."""
    (cid, _number), (other, _n2), *_ = _customers(services)
    billing = services.billing
    for who, start, end in (
        (cid, "2025-01-01", "2025-03-10"),
        (cid, "2025-03-15", "2025-03-20"),
        (other, "2025-01-01", "2025-03-10"),
        (other, "2025-03-15", None),
    ):
        billing.add_subscription(
            who,
            SubscriptionCreate(product="Plan", monthly_amount="5", start_date=start,
                               contract_end=end, status="ended" if end else "active"),
        )  # fmt: skip
    churn = services.dashboard.churn(as_of=date(2025, 4, 15), months=2)
    assert (churn.whole, churn.part) == ((2, 1), (1, 0))
