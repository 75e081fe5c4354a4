"""Dashboard figures, each checked against a hand count on a small fixed data set."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.billing.inputs import PaymentCreate, SubscriptionCreate
from crm_tui.services.customers.inputs import CustomerCreate, NoteCreate
from crm_tui.services.dashboard import PANELS, load_panel
from crm_tui.services.dashboard.periods import month_ends, month_starts
from crm_tui.services.registry import Services

AS_OF = date(2026, 1, 15)
D = Decimal


def _set(services: Services, customer_id: int, **values: object) -> None:
    with services.ctx.write() as session:
        session.execute(update(Customer).where(col(Customer.id) == customer_id).values(**values))


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    """Eight customers; windows of three months (Nov 2025 - 15 Jan 2026) are counted by hand.

    created: c0 2025-08-01, c1 2025-09-10, c2 2025-11-05, c3 2025-11-20 (inactive),
    c4 2025-12-01, c5 2026-01-10, c6 2026-01-20 (after as_of), c7 2025-12-15 (merged).
    subscriptions (status, start..end, amount):
      c0 H ended 2025-08-05..2025-11-10 GBP 12  | c1 A active 2025-09-15 (ends 2026-02-14) GBP 10
      c1 D ended 2025-09-01..2025-11-15 GBP 5   | c2 B ended 2025-11-10..2025-12-20 GBP 20
      c3 C active 2025-12-05 (ends 2026-01-15) EUR 15 | c5 E active 2026-01-12 (ends 2026-02-15) GBP 7.50
      c5 F paused 2026-01-01..2026-01-20 GBP 100 | c6 G active 2026-01-20..2026-12-31 GBP 50
    payments: c1 paid 10 2025-10-20, paid 10 2025-11-03, failed 10 2025-11-20;
      c2 paid 20 2025-12-01, refunded 20 2025-12-18; c3 failed 15 2026-01-02, pending 15 2026-01-05;
      c4 paid 1000 2025-12-05; c5 paid 7.50 2026-01-15, failed 7.50 2026-01-16;
      c6 paid 5000 2026-01-20; c7 paid 600 2025-12-16.
    """
    c = services.customers
    out = {
        f"c{i}": c.create(
            CustomerCreate(first_name=f"Cust{i}", last_name="Test", email=f"c{i}@example.com")
        ).id
        for i in range(8)
    }
    for name, day in (("c0", "2025-08-01"), ("c1", "2025-09-10"), ("c2", "2025-11-05"),
                      ("c3", "2025-11-20"), ("c4", "2025-12-01"), ("c5", "2026-01-10"),
                      ("c6", "2026-01-20"), ("c7", "2025-12-15")):  # fmt: skip
        _set(services, out[name], created_at=_at(day))
    b = services.billing
    subs = [
        ("c0", "ended", "2025-08-05", "2025-11-10", "12", "GBP"),
        ("c1", "active", "2025-09-15", "2026-02-14", "10", "GBP"),
        ("c1", "ended", "2025-09-01", "2025-11-15", "5", "GBP"),
        ("c2", "ended", "2025-11-10", "2025-12-20", "20", "GBP"),
        ("c3", "active", "2025-12-05", "2026-01-15", "15", "EUR"),
        ("c5", "active", "2026-01-12", "2026-02-15", "7.50", "GBP"),
        ("c5", "paused", "2026-01-01", "2026-01-20", "100", "GBP"),
        ("c6", "active", "2026-01-20", "2026-12-31", "50", "GBP"),
    ]
    for who, status, start, end, amount, currency in subs:
        b.add_subscription(
            out[who],
            SubscriptionCreate(product=f"Plan {amount}", status=status, start_date=start, contract_end=end, monthly_amount=amount, currency=currency),
        )  # fmt: skip
    payments = [
        ("c1", "10", "paid", "2025-10-20"), ("c1", "10", "paid", "2025-11-03"),
        ("c1", "10", "failed", "2025-11-20"), ("c2", "20", "paid", "2025-12-01"),
        ("c2", "20", "refunded", "2025-12-18"), ("c3", "15", "failed", "2026-01-02"),
        ("c3", "15", "pending", "2026-01-05"), ("c4", "1000", "paid", "2025-12-05"),
        ("c5", "7.50", "paid", "2026-01-15"), ("c5", "7.50", "failed", "2026-01-16"),
        ("c6", "5000", "paid", "2026-01-20"), ("c7", "600", "paid", "2025-12-16"),
    ]  # fmt: skip
    for who, amount, status, day in payments:
        b.record_payment(out[who], PaymentCreate(amount=amount, status=status, paid_at=day))
    n = services.notes
    n.add(out["c1"], NoteCreate(title="Call back", type="task", follow_up_on="2026-01-10"))
    n.add(out["c2"], NoteCreate(title="Send quote", type="task", follow_up_on="2026-01-15"))
    n.add(out["c3"], NoteCreate(title="Later", type="task", follow_up_on="2026-01-16"))
    n.add(
        out["c1"], NoteCreate(title="Done one", type="task", follow_up_on="2026-01-05", done=True)
    )
    n.add(out["c5"], NoteCreate(title="Plain note"))
    _set(services, out["c3"], status="inactive")
    _set(services, out["c7"], status="merged", merged_into_id=out["c1"])
    return out


def test_month_windows() -> None:
    """Windows are calendar months ending with as_of's month, cut at as_of."""
    assert month_starts(AS_OF, 3) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]
    assert month_ends(AS_OF, 3) == [date(2025, 11, 30), date(2025, 12, 31), AS_OF]
    assert month_starts(date(2026, 3, 31), 13)[0] == date(2025, 3, 1)


def test_customers_over_time(services: Services, ids: dict[str, int]) -> None:
    """Customers by month end (merged excluded) and customers with a running subscription."""
    trend = services.dashboard.customers_over_time(as_of=AS_OF, months=3)
    assert trend.months == (date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1))
    assert trend.customers == (4, 5, 6)
    assert trend.active == (2, 2, 3)


def test_new_customers(services: Services, ids: dict[str, int]) -> None:
    """New customers per month; one created after as_of and one merged are not counted."""
    new = services.dashboard.new_customers(as_of=AS_OF, months=3)
    assert new.counts == (2, 1, 1)
    assert new.total == 4


def test_churn(services: Services, ids: dict[str, int]) -> None:
    """Customers active at the previous month's end and not at this one's, over the former."""
    churn = services.dashboard.churn(as_of=AS_OF, months=3)
    assert churn.part == (1, 1, 0)
    assert churn.whole == (2, 2, 2)
    assert churn.rates == (50.0, 50.0, 0.0)


def test_recurring_income(services: Services, ids: dict[str, int]) -> None:
    """Running subscriptions' monthly amounts per currency; paused and future ones count nothing."""
    income = services.dashboard.recurring_income(as_of=AS_OF, months=3)
    assert income.by_currency == {
        "EUR": (D("0.00"), D("15.00"), D("15.00")),
        "GBP": (D("30.00"), D("10.00"), D("17.50")),
    }
    assert income.main_currency == "GBP"


def test_payment_failures(services: Services, ids: dict[str, int]) -> None:
    """Failed over settled payments per month and in the last 30 days; pending is not settled."""
    failures = services.dashboard.payment_failures(as_of=AS_OF, months=3)
    assert failures.part == (1, 0, 1)
    # December: c2's paid and refunded, c4's 1000 and the merged c7's 600 (money rows all count).
    assert failures.whole == (2, 4, 2)
    assert failures.rates == (50.0, 0.0, 50.0)
    # Since 2025-12-16: c7's 600, c2's refund, c3's failure and c5's payment on as_of.
    assert (failures.recent_part, failures.recent_whole) == (1, 4)
    assert failures.recent_rate == 25.0


def test_ltv_distribution(services: Services, ids: dict[str, int]) -> None:
    """Customers per lifetime-value band; refunds count nothing, merged customers are left out."""
    buckets = services.dashboard.ltv_distribution(as_of=AS_OF)
    assert [(b.label, b.count) for b in buckets] == [
        ("none", 2), ("< 100", 3), ("100-500", 0), ("500-1k", 0), ("1k-5k", 1), ("5k+", 1),
    ]  # fmt: skip


def test_segment_sizes(services: Services, ids: dict[str, int]) -> None:
    """Each segment's live size: dynamic by its rules, static by its members."""
    seg = services.segments
    seg.create("Active", kind="dynamic", rules={"match": "all", "rules": [
        {"field": "status", "op": "eq", "value": "active"}]})  # fmt: skip
    seg.create("Big", kind="dynamic", rules={"match": "all", "rules": [
        {"field": "lifetime_value", "op": "gte", "value": "1000"}]})  # fmt: skip
    picked = seg.create("Picked")
    seg.add_members(picked.id, [ids["c1"], ids["c2"]])
    sizes = services.dashboard.segment_sizes(as_of=AS_OF)
    assert [(s.name, s.kind, s.count) for s in sizes] == [
        ("Active", "dynamic", 6), ("Big", "dynamic", 2), ("Picked", "static", 2),
    ]  # fmt: skip


def test_follow_ups(services: Services, ids: dict[str, int]) -> None:
    """Open follow-ups due on or before as_of, oldest first; done and later ones are left out."""
    due = services.dashboard.follow_ups(as_of=AS_OF)
    assert (due.total, due.overdue) == (2, 1)
    assert [(r.title, r.due, r.customer_id) for r in due.rows] == [
        ("Call back", date(2026, 1, 10), ids["c1"]),
        ("Send quote", date(2026, 1, 15), ids["c2"]),
    ]
    assert due.rows[0].customer == "Cust1 Test"


def test_contracts_ending(services: Services, ids: dict[str, int]) -> None:
    """Active contracts ending from as_of to as_of + 30 days inclusive, soonest first."""
    ending = services.dashboard.contracts_ending(as_of=AS_OF)
    assert ending.total == 2
    assert [(r.customer_id, r.contract_end, r.monthly_amount, r.currency) for r in ending.rows] == [
        (ids["c3"], date(2026, 1, 15), D("15.00"), "EUR"),
        (ids["c1"], date(2026, 2, 14), D("10.00"), "GBP"),
    ]


def test_every_panel_loads_with_defaults(services: Services, ids: dict[str, int]) -> None:
    """Each panel loads by name over the default twelve-month window."""
    for name in PANELS:
        result = load_panel(services.dashboard, name, as_of=AS_OF)
        assert result is not None, name
    trend = services.dashboard.customers_over_time(as_of=AS_OF)
    assert len(trend.months) == 12 and trend.customers[-1] == 6


def test_empty_database(services: Services) -> None:
    """On an empty database every figure is zero, never an error or a division by zero."""
    dash = services.dashboard
    assert dash.customers_over_time(as_of=AS_OF, months=2).customers == (0, 0)
    assert dash.churn(as_of=AS_OF, months=2).rates == (0.0, 0.0)
    assert dash.payment_failures(as_of=AS_OF).recent_rate == 0.0
    assert dash.recurring_income(as_of=AS_OF).by_currency == {}
    assert all(b.count == 0 for b in dash.ltv_distribution(as_of=AS_OF))
    assert dash.follow_ups(as_of=AS_OF).total == 0
    assert dash.contracts_ending(as_of=AS_OF).rows == ()


def test_payment_failures_same_with_status_index(services: Services, ids: dict[str, int]) -> None:
    """With an index on (status, paid_at) the range-count plan gives the same figures."""
    from sqlalchemy import text

    from crm_tui.services.dashboard import payments

    before = services.dashboard.payment_failures(as_of=AS_OF, months=3)
    with services.ctx.db.engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_test_payment_status_paid ON payment (status, paid_at)"))
    payments._INDEXES.clear()
    try:
        after = services.dashboard.payment_failures(as_of=AS_OF, months=3)
    finally:
        payments._INDEXES.clear()
    assert after == before
