"""A payment in one currency settles invoices in another at the rate of its day.

Rates are stored into the reporting currency (GBP here), so one unit of A is
rate(A) / rate(B) of B; every figure below is worked out by hand from the
rates the test sets. Every test runs on SQLite and PostgreSQL and ends with
`crm db check` clean (settled amounts against allocations, what payments
give against their amounts, outstanding balances against a recount).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from crm_tui.models import InvoiceAllocation
from crm_tui.services.billing.balances import CurrencyBalance
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import Services
from tests.conftest import RefusalCheck
from tests.services.test_invoice_payments import issue, state

D = Decimal


@pytest.fixture
def person(services: Services) -> Iterator[int]:
    cid = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id
    services.rates.set(RateInput("EUR", "0.85", "2026-01-01"))
    services.rates.set(RateInput("EUR", "0.90", "2026-02-01"))
    services.rates.set(RateInput("USD", "0.80", "2026-01-01"))
    yield cid
    assert check_database(services.ctx.db.engine).problems == []


def pay(services: Services, cid: int, amount: str, currency: str, day: str, **kw: int) -> str:
    made = services.billing.record_payment(
        cid, PaymentCreate(amount=amount, currency=currency, paid_at=day), **kw
    )
    return made.notice


def allocations(
    services: Services, invoice_id: int
) -> list[tuple[Decimal, Decimal, Decimal | None]]:
    with services.ctx.read() as session:
        found = session.execute(
            select(
                col(InvoiceAllocation.amount),
                col(InvoiceAllocation.source_amount),
                col(InvoiceAllocation.rate),
            )
            .where(col(InvoiceAllocation.invoice_id) == invoice_id)
            .order_by(col(InvoiceAllocation.id))
        ).all()
    return [tuple(row) for row in found]  # type: ignore[misc]


def owed(services: Services, customer_id: int) -> Decimal:
    return services.figures.for_customer(customer_id).outstanding_balance


def test_payments_settle_at_the_rate_of_their_day(services: Services, person: int) -> None:
    """GBP and USD payments settle a EUR invoice; each allocation records both amounts
    and the rate of the payment's day; what is over stays credit in the payment's currency."""
    invoice = issue(services, person, "100.00", date(2026, 1, 5), "EUR")
    # 1 GBP = 1 / 0.85 EUR = 1.17647059 on 10 January; 50 GBP cover 58.82 EUR.
    assert pay(services, person, "50.00", "GBP", "2026-01-10") == ""
    assert state(services, invoice) == ("partly_paid", D("41.18"))
    # 1 USD = 0.80 / 0.90 EUR = 0.88888889 from 1 February: 41.18 EUR take 46.33 USD.
    assert pay(services, person, "100.00", "USD", "2026-02-10") == ""
    assert state(services, invoice) == ("paid", D("0.00"))
    assert allocations(services, invoice) == [
        (D("58.82"), D("50.00"), D("1.17647059")),
        (D("41.18"), D("46.33"), D("0.88888889")),
    ]
    assert services.invoices.balances(person) == [CurrencyBalance("USD", D("0.00"), D("53.67"))]
    assert owed(services, person) == D("0.00")


def test_refund_reopens_an_invoice_paid_in_another_currency(
    services: Services, person: int
) -> None:
    """Refunding the USD payment takes back its EUR allocation: the invoice is owed again,
    and the outstanding balance (EUR at the issue date's 0.85) with it."""
    invoice = issue(services, person, "100.00", date(2026, 1, 5), "EUR")
    pay(services, person, "50.00", "GBP", "2026-01-10")
    services.billing.record_payment(
        person, PaymentCreate(amount="100.00", currency="USD", paid_at="2026-02-10")
    )
    usd = services.billing.payments(person)[0]
    assert usd.currency == "USD"
    services.billing.refund(usd.id)
    assert state(services, invoice) == ("partly_paid", D("41.18"))
    assert allocations(services, invoice) == [(D("58.82"), D("50.00"), D("1.17647059"))]
    assert owed(services, person) == D("35.00")  # 41.18 x 0.85 = 35.003
    assert services.invoices.balances(person) == [CurrencyBalance("EUR", D("41.18"), D("0.00"))]


def test_own_currency_first_then_the_others(services: Services, person: int) -> None:
    """A EUR payment pays a EUR invoice before an older GBP one, then the GBP one at its
    day's rate (1 EUR = 0.90 GBP)."""
    gbp = issue(services, person, "30.00", date(2026, 1, 5), "GBP")
    eur = issue(services, person, "40.00", date(2026, 1, 6), "EUR")
    pay(services, person, "50.00", "EUR", "2026-02-10")
    assert state(services, eur) == ("paid", D("0.00"))
    assert state(services, gbp) == ("partly_paid", D("21.00"))  # 10 EUR = 9 GBP
    assert allocations(services, gbp) == [(D("9.00"), D("10.00"), D("0.90000000"))]
    assert owed(services, person) == D("21.00")


def test_a_chosen_invoice_in_another_currency_comes_first(services: Services, person: int) -> None:
    """A EUR payment recorded against a GBP invoice pays that one before the EUR invoice."""
    gbp = issue(services, person, "9.00", date(2026, 1, 5), "GBP")
    eur = issue(services, person, "40.00", date(2026, 1, 6), "EUR")
    pay(services, person, "20.00", "EUR", "2026-02-10", invoice_id=gbp)
    assert state(services, gbp) == ("paid", D("0.00"))
    assert allocations(services, gbp) == [(D("9.00"), D("10.00"), D("0.90000000"))]
    assert state(services, eur) == ("partly_paid", D("30.00"))


def test_without_a_rate_the_payment_stays_credit_and_says_which(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """No CHF rate: a CHF payment settles nothing, stays credit, and one sentence names the
    missing rate; paying a chosen EUR invoice in CHF is refused with the same words. Once
    the rate is set, the credit settles the invoice, and what is left the next one."""
    eur = issue(services, person, "40.00", date(2026, 1, 6), "EUR")
    notice = pay(services, person, "50.00", "CHF", "2026-02-10")
    assert notice.startswith("No CHF rate into GBP on 2026-02-10, so CHF 50.00 of the payment")
    assert "stays as credit" in notice and "`crm rates set CHF RATE --from 2026-02-10`" in notice
    assert notice.count(".") == notice.count(".00") + 1  # one sentence
    assert state(services, eur) == ("issued", D("40.00"))
    assert services.invoices.balances(person) == [
        CurrencyBalance("CHF", D("0.00"), D("50.00")),
        CurrencyBalance("EUR", D("40.00"), D("0.00")),
    ]
    assert_refused(
        lambda: pay(services, person, "10.00", "CHF", "2026-02-10", invoice_id=eur),
        "currency", "No CHF rate into GBP on 2026-02-10",
    )  # fmt: skip
    services.rates.set(RateInput("CHF", "0.90", "2026-02-01"))  # 1 CHF = 1 EUR in February
    assert state(services, eur) == ("paid", D("0.00"))  # setting the rate settled it
    assert services.invoices.balances(person) == [CurrencyBalance("CHF", D("0.00"), D("10.00"))]
    assert owed(services, person) == D("0.00")
    later = issue(services, person, "10.00", date(2026, 2, 11), "EUR")
    assert state(services, later) == ("paid", D("0.00"))
    assert allocations(services, later) == [(D("10.00"), D("10.00"), D("1.00000000"))]
    assert services.invoices.balances(person) == []


def test_db_check_counts_what_a_payment_gives(services: Services, person: int) -> None:
    """`crm db check` says when a payment's allocations use more of it than it holds."""
    issue(services, person, "100.00", date(2026, 1, 5), "EUR")
    pay(services, person, "50.00", "GBP", "2026-01-10")
    with services.ctx.write() as session:
        session.execute(update(InvoiceAllocation).values(source_amount=D("60.00")))
    problems = check_database(services.ctx.db.engine).problems
    assert any("of GBP 50.00 settles invoices with GBP 60.00 of it" in p for p in problems)
    with services.ctx.write() as session:
        session.execute(update(InvoiceAllocation).values(source_amount=D("50.00")))
