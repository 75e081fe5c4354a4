"""The monthly billing run: who is billed, consolidated groups, idempotence, interruption.

Every test runs on SQLite and PostgreSQL and ends with `crm db check` clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from crm_tui.services.billing.balances import CurrencyBalance
from crm_tui.services.billing.inputs import PaymentCreate, SubscriptionCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run import BillingRun
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import Services

D = Decimal
NOV = Month(2026, 11)
ON = date(2026, 11, 1)


@dataclass(frozen=True)
class Book:
    ana: int
    acme: int
    bolt: int
    gone: int


def subscribe(services: Services, cid: int, product: str, amount: str, **extra: str) -> int:
    values = {"product": product, "monthly_amount": amount, "start_date": "2026-01-01", **extra}
    sub = services.billing.add_subscription(cid, SubscriptionCreate.model_validate(values))
    assert sub.id is not None
    return sub.id


@pytest.fixture
def book(services: Services) -> Iterator[Book]:
    """Ana (GBP and EUR subscriptions, some not billable), a group of Acme + Bolt, an erased one."""
    c = services.customers
    ana = c.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id
    acme = c.create(CustomerCreate(kind="business", company_name="Acme", email="a@acme.example", payment_terms="Net 30")).id  # fmt: skip
    bolt = c.create(CustomerCreate(kind="business", company_name="Bolt", email="b@bolt.example", payment_terms="Net 7")).id  # fmt: skip
    gone = c.create(CustomerCreate(first_name="Gone", email="gone@example.com")).id
    subscribe(services, ana, "Fibre", "30.00", variant="500", asset_serial="SN-1")
    subscribe(services, ana, "TV", "12.50")
    subscribe(services, ana, "Roaming", "9.00", currency="EUR")
    subscribe(services, ana, "Later", "5.00", start_date="2026-12-01")
    subscribe(services, ana, "Over", "5.00", start_date="2025-01-01", contract_end="2026-10-31")
    services.billing.end_subscription(
        subscribe(services, ana, "Ended", "5.00"), on=date(2026, 6, 1)
    )
    subscribe(services, acme, "Fleet", "100.00")
    subscribe(services, bolt, "Mobile", "7.25")
    subscribe(services, gone, "Fibre", "30.00")
    group = services.billing_groups.create("North")
    services.billing_groups.add_members(group.id, [acme, bolt])
    services.customers.erase(gone, confirm=f"C-{gone:06d}")
    yield Book(ana, acme, bolt, gone)
    assert check_database(services.ctx.db.engine).problems == []


def run(services: Services, **kwargs: object) -> tuple[int, int, dict[str, Decimal]]:
    result = BillingRun(services.ctx, tax_rate=D("20.00"), **kwargs).run(NOV, on=ON)  # type: ignore[arg-type]
    return result.invoices, result.lines, result.totals


def test_run_bills_each_payer_once_per_currency(services: Services, book: Book) -> None:
    """Ana gets a GBP and a EUR invoice, the group one consolidated invoice to its lead."""
    assert run(services) == (3, 5, {"GBP": D("179.70"), "EUR": D("10.80")})
    ana = services.invoices.list(customer_id=book.ana)
    assert sorted((i.currency, i.total, i.due_date) for i in ana) == [
        ("EUR", D("10.80"), ON), ("GBP", D("51.00"), ON),
    ]  # fmt: skip
    [group_invoice] = services.invoices.list(customer_id=book.acme)
    assert (group_invoice.total, group_invoice.due_date) == (D("128.70"), date(2026, 12, 1))
    lines = [ln.description for ln in services.invoices.get(group_invoice.id).lines]
    assert lines == [
        f"C-{book.acme:06d} Acme: Fleet · November 2026",
        f"C-{book.bolt:06d} Bolt: Mobile · November 2026",
    ]
    gbp = next(i for i in ana if i.currency == "GBP")
    assert [ln.description for ln in services.invoices.get(gbp.id).lines] == [
        "Fibre 500 (serial SN-1) · November 2026", "TV · November 2026",
    ]  # fmt: skip
    assert services.invoices.list(customer_id=book.bolt) == []
    assert services.figures.for_customer(book.acme).outstanding_balance == D("128.70")


def test_second_run_issues_nothing(services: Services, book: Book) -> None:
    """Running the same month twice issues nothing new; a dry run writes nothing."""
    assert BillingRun(services.ctx, tax_rate=D("0")).run(NOV, on=ON, dry_run=True).invoices == 3
    assert services.invoices.list() == []
    run(services)
    assert run(services) == (0, 0, {})
    numbers = sorted(i.number or "" for i in services.invoices.list())
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]


def test_voided_invoice_is_billed_again(services: Services, book: Book) -> None:
    """Voiding a run's invoice releases its periods: the next run bills them on a new number."""
    run(services)
    [eur] = [i for i in services.invoices.list(customer_id=book.ana) if i.currency == "EUR"]
    services.invoices.void(eur.id)
    assert run(services) == (1, 1, {"EUR": D("10.80")})


def test_credit_is_used_by_the_run(services: Services, book: Book) -> None:
    """A customer who paid ahead has the new invoice settled from that credit."""
    services.billing.record_payment(book.ana, PaymentCreate(amount="60.00"))
    run(services)
    gbp = next(i for i in services.invoices.list(customer_id=book.ana) if i.currency == "GBP")
    assert (gbp.status, gbp.owed) == ("paid", D("0.00"))


def test_credit_in_another_currency_is_used_by_the_run(services: Services, book: Book) -> None:
    """Acme paid ahead in USD: with a USD rate the group's GBP invoice is settled from it
    at the rate of the payment's day (1 USD = 0.80 GBP), the rest stays USD credit."""
    services.rates.set(RateInput("USD", "0.80", "2026-01-01"))
    services.billing.record_payment(
        book.acme, PaymentCreate(amount="200.00", currency="USD", paid_at="2026-10-01")
    )
    run(services)
    [invoice] = services.invoices.list(customer_id=book.acme)
    assert (invoice.status, invoice.owed) == ("paid", D("0.00"))
    assert services.invoices.balances(book.acme) == [
        CurrencyBalance("USD", D("0.00"), D("39.12"))  # 200 - 128.70 / 0.80 (160.88)
    ]


def test_interrupted_run_keeps_whole_batches(services: Services, book: Book) -> None:
    """Stopped after its first batch, a run keeps that batch; the rerun issues the rest, gap-free."""

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        BillingRun(services.ctx, tax_rate=D("0"), batch_payers=1).run(NOV, on=ON, progress=stop)
    assert len(services.invoices.list()) == 1
    assert run(services)[0] == 2
    numbers = sorted(i.number or "" for i in services.invoices.list())
    assert numbers == [f"INV-2026-00000{n}" for n in (1, 2, 3)]


def test_stopped_run_keeps_whole_batches_and_the_next_issues_the_rest(
    services: Services, book: Book
) -> None:
    """Asked to stop after the first batch (one payer a batch), the run keeps that batch's
    invoice; the next run issues the other two and nothing twice."""
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1

    first = BillingRun(services.ctx, tax_rate=D("20.00"), batch_payers=1).run(NOV, on=ON, stop=stop)
    assert first.stopped and len(services.invoices.list()) == first.invoices >= 1
    rest = BillingRun(services.ctx, tax_rate=D("20.00")).run(NOV, on=ON)
    assert not rest.stopped and first.invoices + rest.invoices == 3
    assert run(services) == (0, 0, {})
