"""Payments settle invoices: oldest due first or the one chosen; credit; refunds reopen.

Every test runs on SQLite and PostgreSQL, and ends with `crm db check` clean:
the stored outstanding balance always equals the recount from the invoices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest

from crm_tui.services.billing.balances import CurrencyBalance
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services

D = Decimal
RefusalCheck = Callable[[Callable[[], object], str, str], ValidationError]


@pytest.fixture
def person(services: Services) -> Iterator[int]:
    cid = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id
    yield cid
    assert check_database(services.ctx.db.engine).problems == []


def issue(services: Services, customer_id: int, price: str, on: date, currency: str = "GBP") -> int:
    draft = services.invoices.create_draft(
        customer_id, [LineInput("Service", price)], currency=currency
    )
    return services.invoices.issue(draft.id, on=on).id


def state(services: Services, invoice_id: int) -> tuple[str, Decimal]:
    invoice = services.invoices.get(invoice_id).invoice
    return invoice.status, invoice.owed


def owed(services: Services, customer_id: int) -> Decimal:
    return services.figures.for_customer(customer_id).outstanding_balance


def test_payment_settles_oldest_due_first(services: Services, person: int) -> None:
    """A payment pays the invoice due first in full, then part of the next."""
    older = issue(services, person, "30.00", date(2026, 1, 5))
    newer = issue(services, person, "50.00", date(2026, 2, 5))
    services.billing.record_payment(person, PaymentCreate(amount="40.00"))
    assert state(services, older) == ("paid", D("0.00"))
    assert state(services, newer) == ("partly_paid", D("40.00"))
    assert owed(services, person) == D("40.00")


def test_payment_for_a_chosen_invoice(services: Services, person: int) -> None:
    """A payment recorded against one invoice settles that one first."""
    older = issue(services, person, "30.00", date(2026, 1, 5))
    newer = issue(services, person, "50.00", date(2026, 2, 5))
    services.billing.record_payment(person, PaymentCreate(amount="50.00"), invoice_id=newer)
    assert state(services, newer) == ("paid", D("0.00"))
    assert state(services, older) == ("issued", D("30.00"))


def test_overpayment_is_credit_used_by_the_next_invoice(services: Services, person: int) -> None:
    """Paying more than is owed leaves a credit, which the next invoice issued uses."""
    first = issue(services, person, "30.00", date(2026, 1, 5))
    services.billing.record_payment(person, PaymentCreate(amount="100.00"))
    assert state(services, first) == ("paid", D("0.00"))
    assert services.invoices.balances(person) == [CurrencyBalance("GBP", D("0.00"), D("70.00"))]
    second = issue(services, person, "50.00", date(2026, 2, 5))
    assert state(services, second) == ("paid", D("0.00"))
    assert services.invoices.balances(person) == [CurrencyBalance("GBP", D("0.00"), D("20.00"))]


def test_refund_reopens_what_it_paid(services: Services, person: int) -> None:
    """Refunding a payment takes it back: the invoice it paid is owed again."""
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    payment = services.billing.record_payment(person, PaymentCreate(amount="30.00"))
    assert payment.id is not None
    services.billing.refund(payment.id)
    assert state(services, invoice) == ("issued", D("30.00"))
    assert owed(services, person) == D("30.00")


def test_refund_lets_other_credit_fill_the_gap(services: Services, person: int) -> None:
    """When a refunded payment's invoice reopens, unused credit settles it again."""
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    first = services.billing.record_payment(person, PaymentCreate(amount="30.00"))
    services.billing.record_payment(person, PaymentCreate(amount="25.00"))  # all credit
    assert first.id is not None
    services.billing.refund(first.id)
    assert state(services, invoice) == ("partly_paid", D("5.00"))


def test_pending_payment_settles_nothing_until_paid(services: Services, person: int) -> None:
    """A pending payment is not money received; marking it paid settles the invoice."""
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    pending = services.billing.record_payment(
        person, PaymentCreate(amount="30.00", status="pending")
    )
    assert state(services, invoice) == ("issued", D("30.00"))
    assert pending.id is not None
    services.billing.mark_paid(pending.id)
    assert state(services, invoice) == ("paid", D("0.00"))


def test_other_currency_never_settles(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """Without a EUR rate a EUR payment never settles a GBP invoice; balances stay apart
    per currency (with one, see test_invoice_currencies)."""
    gbp = issue(services, person, "30.00", date(2026, 1, 5))
    eur = issue(services, person, "40.00", date(2026, 1, 6), currency="EUR")
    assert_refused(
        lambda: services.billing.record_payment(
            person, PaymentCreate(amount="30.00", currency="EUR"), invoice_id=gbp
        ),
        "currency", "No EUR rate into GBP on",
    )  # fmt: skip
    services.billing.record_payment(person, PaymentCreate(amount="50.00", currency="EUR"))
    assert state(services, gbp) == ("issued", D("30.00"))
    assert state(services, eur) == ("paid", D("0.00"))
    assert services.invoices.balances(person) == [
        CurrencyBalance("EUR", D("0.00"), D("10.00")),
        CurrencyBalance("GBP", D("30.00"), D("0.00")),
    ]
    assert owed(services, person) == D("30.00")  # the home currency's figure only


def test_draft_and_credit_note_cannot_be_paid(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """Paying a draft or a credit note is refused in one sentence."""
    draft = services.invoices.create_draft(person, [LineInput("Box", "9.00")])
    assert_refused(
        lambda: services.billing.record_payment(person, PaymentCreate(amount="9.00"), invoice_id=draft.id),
        "invoice", "draft",
    )  # fmt: skip
    invoice = services.invoices.issue(draft.id, on=date(2026, 1, 5)).id
    note = services.invoices.credit_note(
        invoice, [LineInput("Refund", "1.00")], on=date(2026, 1, 6)
    )
    assert_refused(
        lambda: services.billing.record_payment(person, PaymentCreate(amount="1.00"), invoice_id=note.id),
        "invoice", "credit note",
    )  # fmt: skip


def test_paid_invoice_with_payments_cannot_be_voided(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """Once money is set against an invoice it is corrected by a credit note, not voided."""
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    services.billing.record_payment(person, PaymentCreate(amount="10.00"))
    assert_refused(lambda: services.invoices.void(invoice), "status", "credit note")


def test_payments_before_invoices_are_not_credit(services: Services, person: int) -> None:
    """Payments taken before invoicing (migrated rows) do not settle new invoices."""
    from sqlalchemy import update

    from crm_tui.models import Payment

    services.billing.record_payment(person, PaymentCreate(amount="99.00"))
    with services.ctx.write() as session:
        session.execute(update(Payment).values(settles_invoices=False))
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    assert state(services, invoice) == ("issued", D("30.00"))


def test_void_invoice_cannot_be_paid(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """Paying a void invoice is refused in one sentence; a payment for no invoice in particular
    leaves it void and becomes credit."""
    invoice = issue(services, person, "30.00", date(2026, 1, 5))
    services.invoices.void(invoice)
    assert_refused(
        lambda: services.billing.record_payment(
            person, PaymentCreate(amount="30.00"), invoice_id=invoice
        ),
        "invoice", "void, so it cannot be paid",
    )  # fmt: skip
    services.billing.record_payment(person, PaymentCreate(amount="30.00"))
    assert state(services, invoice) == ("void", D("0.00"))
    assert services.invoices.balances(person) == [CurrencyBalance("GBP", D("0.00"), D("30.00"))]
