"""Money in its currency: rates, reporting amounts, figures in the reporting currency.

Every figure here is computed by hand from the rates set in the test; every
test runs on SQLite and PostgreSQL and ends with `crm db check` sound.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from crm_tui.models import Payment, ReportingCurrency
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    SubscriptionCreate,
)
from crm_tui.services.checks import check_database, repair_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.money.rates import RateInput, Unpriced
from crm_tui.services.registry import Services, open_services
from crm_tui.services.search import SortSpec
from crm_tui.services.segments.rules import Rule, describe_rule
from tests.conftest import RefusalCheck

D = Decimal


@pytest.fixture
def cid(services: Services) -> Iterator[int]:
    customer = services.customers.create(CustomerCreate(first_name="Ana", last_name="Reis"))
    yield customer.id
    report = check_database(services.ctx.db.engine)
    assert report.problems == []


def pay(services: Services, cid: int, amount: str, currency: str, day: str) -> None:
    services.billing.record_payment(
        cid, PaymentCreate(amount=amount, currency=currency, paid_at=day)
    )


def rate(services: Services, currency: str, value: str, day: str) -> int:
    return services.rates.set(RateInput(currency, value, day)).payments_recomputed


def ltv(services: Services, cid: int) -> Decimal:
    return services.figures.for_customer(cid).lifetime_value


def reporting_amounts(services: Services, cid: int) -> list[Decimal | None]:
    with services.ctx.read() as session:
        return list(
            session.scalars(
                select(col(Payment.reporting_amount))
                .where(col(Payment.customer_id) == cid)
                .order_by(col(Payment.id))
            )
        )


def three_currencies(services: Services, cid: int) -> None:
    rate(services, "EUR", "0.8333", "2025-01-01")
    rate(services, "EUR", "0.85", "2026-01-01")
    rate(services, "USD", "0.79", "2025-06-01")
    pay(services, cid, "100.00", "GBP", "2026-01-05")  # 100.00
    pay(services, cid, "50.00", "EUR", "2026-01-10")  # 50 x 0.85 = 42.50
    pay(services, cid, "20.00", "USD", "2026-01-15")  # 20 x 0.79 = 15.80
    pay(services, cid, "33.33", "EUR", "2025-12-01")  # 33.33 x 0.8333 = 27.773889 -> 27.77
    pay(services, cid, "10.00", "USD", "2025-03-01")  # before any USD rate: none


def test_each_payment_in_reporting_currency_at_its_days_rate(services: Services, cid: int) -> None:
    """GBP, EUR and USD payments: each at the rate of its day; LTV is their GBP sum."""
    three_currencies(services, cid)
    assert reporting_amounts(services, cid) == [
        D("100.00"),
        D("42.50"),
        D("15.80"),
        D("27.77"),
        None,
    ]
    assert ltv(services, cid) == D("186.07")  # 100.00 + 42.50 + 15.80 + 27.77


def test_a_payment_with_no_rate_is_left_out_and_flagged(services: Services, cid: int) -> None:
    """The USD payment before any USD rate counts for nothing and is flagged, never added as GBP."""
    three_currencies(services, cid)
    assert services.rates.unpriced() == [
        Unpriced("USD", 1, D("10.00"), date(2025, 3, 1), date(2025, 3, 1))
    ]
    flags = check_database(services.ctx.db.engine).flags
    assert len(flags) == 1 and "1 paid payment(s) in USD (USD 10.00" in flags[0]
    assert "`crm rates set USD RATE --from 2025-03-01`" in flags[0]
    rate(services, "USD", "0.75", "2025-01-01")  # now it has one: 10 x 0.75 = 7.50
    assert services.rates.unpriced() == []
    assert ltv(services, cid) == D("193.57")  # 186.07 + 7.50
    assert check_database(services.ctx.db.engine).flags == []


def test_a_rate_change_recomputes_the_payments_it_covers(services: Services, cid: int) -> None:
    """A EUR rate from 2026-01-08 moves the 2026-01-10 payment only, in the same transaction."""
    three_currencies(services, cid)
    assert rate(services, "EUR", "0.86", "2026-01-08") == 2  # both EUR payments recounted
    assert reporting_amounts(services, cid)[1] == D("43.00")  # 50 x 0.86
    assert reporting_amounts(services, cid)[3] == D("27.77")  # 2025-12-01: still 0.8333
    assert ltv(services, cid) == D("186.57")
    rate(services, "EUR", "0.84", "2026-01-08")  # the same day again replaces the rate
    assert [r.rate for r in services.rates.stored("EUR")] == [D("0.8333"), D("0.85"), D("0.84")]
    assert ltv(services, cid) == D("185.57")  # 50 x 0.84 = 42.00


def test_rounding_is_half_away_from_zero_to_the_cent(services: Services, cid: int) -> None:
    """0.05 and 0.15 EUR at 0.5 are 0.025 and 0.075: 0.03 and 0.08 on both engines."""
    rate(services, "EUR", "0.5", "2026-01-01")
    pay(services, cid, "0.05", "EUR", "2026-01-02")
    pay(services, cid, "0.15", "EUR", "2026-01-02")
    pay(services, cid, "999999.99", "EUR", "2026-01-02")  # 499,999.995 -> 500,000.00
    assert reporting_amounts(services, cid) == [D("0.03"), D("0.08"), D("500000.00")]


def test_outstanding_orders_and_subscriptions_in_reporting_currency(
    services: Services, cid: int
) -> None:
    """Invoices at their issue date's rate, orders at their day's, subscriptions at today's."""
    rate(services, "EUR", "0.80", "2025-01-01")
    rate(services, "EUR", "0.85", "2026-01-01")
    rate(services, "USD", "0.79", "2025-01-01")
    for price, currency, on in (("100.00", "EUR", date(2025, 12, 20)),
                                ("30.00", "GBP", date(2026, 1, 5)),
                                ("40.00", "EUR", date(2026, 1, 6))):  # fmt: skip
        draft = services.invoices.create_draft(cid, [LineInput("Work", price)], currency=currency)
        services.invoices.issue(draft.id, on=on)
    services.billing.add_order(cid, OrderCreate(
        items=[OrderItemCreate(description="Cable", quantity=2, unit_price="10.00")],
        currency="USD", ordered_at="2026-01-07",
    ))  # fmt: skip
    services.billing.add_subscription(cid, SubscriptionCreate(
        product="Fibre", monthly_amount="20.00", currency="EUR", start_date="2026-01-01",
    ))  # fmt: skip
    figures = services.figures.for_customer(cid)
    # EUR 100 x 0.80 (issued 2025-12-20) + GBP 30 + EUR 40 x 0.85 (issued 2026-01-06)
    assert figures.outstanding_balance == D("144.00")
    draft = services.invoices.create_draft(cid, [LineInput("Work", "10.00")], currency="CHF")
    services.invoices.issue(draft.id, on=date(2026, 1, 8))  # no CHF rate: left out, flagged
    assert services.figures.for_customer(cid).outstanding_balance == D("144.00")
    flags = check_database(services.ctx.db.engine).flags
    assert flags == [
        "1 open invoice(s) in CHF (issued from 2026-01-08) have no rate into GBP and are left "
        "out of outstanding balances; `crm rates set CHF RATE --from 2026-01-08` adds one."
    ]
    assert figures.average_order_value == D("15.80")  # USD 20.00 x 0.79
    assert figures.active_monthly == D("17.00")  # EUR 20.00 x 0.85, the newest rate
    assert figures.currency == "GBP"


def test_breakdown_shows_each_currency_beside_the_reporting_figure(
    services: Services, cid: int
) -> None:
    """The detail's per-currency lines: paid in each currency, its GBP value, what has no rate."""
    three_currencies(services, cid)
    lines = {b.currency: b for b in services.figures.for_customer(cid).by_currency}
    assert lines["EUR"].paid == D("83.33") and lines["EUR"].paid_in_reporting == D("70.27")
    assert lines["USD"].paid == D("30.00") and lines["USD"].paid_in_reporting == D("15.80")
    assert lines["USD"].unpriced_payments == 1
    assert lines["GBP"].paid == D("100.00") and lines["GBP"].paid_in_reporting == D("100.00")


def test_kpis_and_ltv_sort_use_reporting_amounts(services: Services, cid: int) -> None:
    """EUR 1,000 at 0.5 (GBP 500) sorts below GBP 600; the average LTV says GBP."""
    rate(services, "EUR", "0.5", "2026-01-01")
    pay(services, cid, "1000.00", "EUR", "2026-01-02")
    other = services.customers.create(CustomerCreate(first_name="Bo", last_name="Reis")).id
    pay(services, other, "600.00", "GBP", "2026-01-02")
    rows = services.search.search("reis", sort=SortSpec("lifetime_value", descending=True)).rows
    assert [r.id for r in rows] == [other, cid]
    kpis = services.search.kpis("reis")
    assert (kpis.average_lifetime_value, kpis.currency) == (D("550.00"), "GBP")


@pytest.mark.parametrize(
    ("currency", "value", "day", "field", "words"),
    [
        ("XYZ", "1", "2026-01-01", "currency", "'XYZ' is not an ISO 4217 currency code"),
        ("GBP", "1", "2026-01-01", "currency", "GBP is the reporting currency"),
        ("EUR", "0", "2026-01-01", "rate", "A rate must be more than zero, not 0."),
        ("EUR", "-0.5", "2026-01-01", "rate", "more than zero"),
        ("EUR", "abc", "2026-01-01", "rate", "'abc' is not a rate"),
        ("EUR", "0.123456789", "2026-01-01", "rate", "at most 8 decimal places"),
        ("EUR", "0.85", "2026-02-30", "valid_from", "'2026-02-30' is not a date"),
        ("EUR", "0.85", str(date.today() + timedelta(days=1)), "valid_from", "after today"),
    ],
)
def test_bad_rates_are_refused_in_one_sentence(
    services: Services,
    assert_refused: RefusalCheck,
    currency: str,
    value: str,
    day: str,
    field: str,
    words: str,
) -> None:
    """Unknown ISO code, the reporting currency, non-positive rate, bad or future date."""
    error = assert_refused(
        lambda: services.rates.set(RateInput(currency, value, day)), field, words
    )
    assert str(error).count(". ") == 0 and str(error).endswith(".")


def test_changing_the_reporting_currency_recomputes_everything(
    services: Services, cid: int
) -> None:
    """An explicit EUR in config moves every figure to EUR; a locale default does not."""
    three_currencies(services, cid)
    settings = services.ctx  # the fixture's database, opened again as another process would
    url = str(settings.db.engine.url.render_as_string(hide_password=False))
    from crm_tui.config import Settings

    base = Settings(database_url=url, clerk="tester")
    by_locale = open_services(base.with_(reporting_currency="EUR"))
    assert by_locale.ctx.reporting_currency == "GBP"  # one clerk's locale changes nothing
    by_locale.close()
    euro = open_services(base.with_(reporting_currency="EUR", reporting_currency_explicit=True))
    try:
        assert euro.ctx.reporting_currency == "EUR"
        # No rate into EUR yet: only the two EUR payments have a EUR value.
        assert ltv(euro, cid) == D("83.33")
        rate(euro, "GBP", "1.17", "2025-01-01")
        assert ltv(euro, cid) == D("200.33")  # 83.33 + 100 x 1.17
        assert check_database(euro.ctx.db.engine).problems == []
    finally:
        euro.close()
    with services.ctx.read() as session:
        assert session.get(ReportingCurrency, 1) is not None


def test_check_recounts_reporting_amounts_and_repair_mends_them(
    services: Services, cid: int
) -> None:
    """A reporting amount changed behind the app's back is found by check, mended by repair."""
    three_currencies(services, cid)
    with services.ctx.write() as session:
        session.execute(
            update(Payment).where(col(Payment.currency) == "EUR").values(reporting_amount=D("1"))
        )
    problems = check_database(services.ctx.db.engine).problems
    assert any("2 payment(s) have a reporting amount that disagrees" in p for p in problems)
    repaired = repair_database(services.ctx.db.engine)
    assert "Recomputed the reporting amounts of 5 payment(s)." in repaired.done
    assert repaired.ok
    assert ltv(services, cid) == D("186.07")


def test_segment_rules_on_money_say_the_reporting_currency() -> None:
    """A rule on lifetime value reads 'lifetime value > GBP 1000'; other rules are unchanged."""
    assert describe_rule(Rule("lifetime_value", "gt", "1000"), "GBP") == (
        "lifetime value > GBP 1000"
    )
    assert describe_rule(Rule("outstanding_balance", "between", ["10", "20"]), "EUR") == (
        "outstanding balance between EUR 10 and EUR 20"
    )
    assert describe_rule(Rule("kind", "eq", "business"), "GBP") == "kind is business"
