"""Invoices in the data layer: drafts, gap-free numbers, issuing, voiding, credit notes.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from crm_tui.models import ChangeRecord, Invoice
from crm_tui.services.billing.inputs import OrderCreate, OrderItemCreate, PaymentCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate, NoteCreate
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.invoices import InvoiceService, LineInput
from crm_tui.services.registry import Services

D = Decimal
RefusalCheck = Callable[[Callable[[], object], str, str], ValidationError]
ISSUED_ON = date(2026, 3, 2)


@pytest.fixture
def person(services: Services) -> int:
    return services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id


@pytest.fixture
def business(services: Services) -> int:
    return services.customers.create(
        CustomerCreate(kind="business", company_name="Lima Lda", email="office@lima.example", payment_terms="Net 30")
    ).id  # fmt: skip


def issued(services: Services, customer_id: int, *prices: str, on: date = ISSUED_ON) -> int:
    """Issue an invoice with one untaxed line per price; its id."""
    draft = services.invoices.create_draft(
        customer_id, [LineInput(f"Item {n}", p) for n, p in enumerate(prices, 1)]
    )
    return services.invoices.issue(draft.id, on=on).id


def test_draft_lines_amounts_and_tax_round_half_up(services: Services, person: int) -> None:
    """Each line is quantity x price and its tax rounds half up to the cent; totals add the lines."""
    draft = services.invoices.create_draft(
        person,
        [LineInput("Consulting", "33.33", quantity="3", tax_rate="20"),
         LineInput("Cable", "0.25", quantity="1", tax_rate="10")],
    )  # fmt: skip
    detail = services.invoices.get(draft.id)
    assert [(ln.amount, ln.tax) for ln in detail.lines] == [
        (D("99.99"), D("20.00")),
        (D("0.25"), D("0.03")),
    ]
    assert (draft.subtotal, draft.tax, draft.total) == (D("100.24"), D("20.03"), D("120.27"))
    assert (draft.status, draft.number, draft.currency) == ("draft", None, "GBP")


def test_issue_numbers_dates_and_summary(services: Services, business: int, person: int) -> None:
    """Issuing numbers INV-year-000001, due by the terms (Net 30; individuals on issue), owed."""
    first = services.invoices.get(issued(services, business, "100.00")).invoice
    second = services.invoices.get(issued(services, person, "20.00")).invoice
    assert (first.number, first.status, first.issue_date) == (
        "INV-2026-000001",
        "issued",
        ISSUED_ON,
    )
    assert (first.due_date, first.payment_terms) == (date(2026, 4, 1), "Net 30")
    assert (second.number, second.due_date) == ("INV-2026-000002", ISSUED_ON)
    assert services.figures.for_customer(business).outstanding_balance == D("100.00")
    assert services.invoices.get("inv-2026-000002").invoice.id == second.id
    assert check_database(services.ctx.db.engine).problems == []


def test_numbers_restart_each_year_and_follow_dates(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """A new year starts at 000001; an invoice dated before the year's last one is refused."""
    issued(services, person, "1.00", on=date(2026, 12, 30))
    assert (
        services.invoices.get(issued(services, person, "1.00", on=date(2027, 1, 2))).invoice.number
        == "INV-2027-000001"
    )
    late = services.invoices.create_draft(person, [LineInput("Late", "5.00")])
    assert_refused(
        lambda: services.invoices.issue(late.id, on=date(2026, 12, 1)),
        "issue_date",
        "follow their dates",
    )
    assert services.invoices.issue(late.id, on=date(2026, 12, 31)).number == "INV-2026-000002"


def test_visible_notes_printed_internal_ones_not(services: Services, person: int) -> None:
    """Customer-visible notes are printed on the invoice at issue, internal notes never."""
    services.notes.add(
        person, NoteCreate(title="Delivery", body="Leave at reception", visibility="customer")
    )
    services.notes.add(person, NoteCreate(title="Difficult caller", visibility="internal"))
    draft = services.invoices.create_draft(person, [LineInput("Box", "9.00")], notes="Thank you!")
    notes = services.invoices.issue(draft.id, on=ISSUED_ON).notes
    assert notes == "Thank you!\nDelivery: Leave at reception"


def test_issued_invoice_is_never_edited(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """Adding or removing lines, deleting or re-issuing an issued invoice is refused."""
    invoice_id = issued(services, person, "10.00")
    line_id = services.invoices.get(invoice_id).lines[0].id
    inv = services.invoices
    assert_refused(
        lambda: inv.add_lines(invoice_id, [LineInput("More", "1.00")]), "invoice", "credit note"
    )
    assert_refused(lambda: inv.remove_line(invoice_id, line_id), "invoice", "never edited")
    assert_refused(lambda: inv.delete_draft(invoice_id), "invoice", "never edited")
    assert_refused(lambda: inv.issue(invoice_id), "invoice", "never edited")


def test_bad_lines_refused(services: Services, person: int, assert_refused: RefusalCheck) -> None:
    """Negative prices, zero quantities, rates over 100 % and empty invoices are refused."""
    inv = services.invoices
    assert_refused(
        lambda: inv.create_draft(person, [LineInput("X", "-5")]), "unit_price", "negative"
    )
    assert_refused(
        lambda: inv.create_draft(person, [LineInput("X", "5", quantity="0")]),
        "quantity",
        "more than zero",
    )
    assert_refused(
        lambda: inv.create_draft(person, [LineInput("X", "5", tax_rate="120")]),
        "tax_rate",
        "0 to 100",
    )
    assert_refused(
        lambda: inv.create_draft(person, [LineInput(" ", "5")]), "description", "required"
    )
    empty = inv.create_draft(person)
    assert_refused(lambda: inv.issue(empty.id), "lines", "at least one line")


def test_void_keeps_the_number_used(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """A void invoice owes nothing, keeps its number (the next is +1) and cannot be paid."""
    first = issued(services, person, "50.00")
    services.invoices.void(first)
    assert services.figures.for_customer(person).outstanding_balance == D("0.00")
    second = services.invoices.get(issued(services, person, "5.00")).invoice
    assert second.number == "INV-2026-000002"
    assert_refused(
        lambda: services.billing.record_payment(person, PaymentCreate(amount="50.00"), invoice_id=first),
        "invoice", "void",
    )  # fmt: skip
    assert_refused(lambda: services.invoices.void(first), "status", "already void")


def test_credit_note_settles_the_invoice(
    services: Services, business: int, assert_refused: RefusalCheck
) -> None:
    """A full credit note is a negative numbered invoice referring to the original, which it settles."""
    original = issued(services, business, "80.00", "20.00")
    note = services.invoices.credit_note(original, on=ISSUED_ON, notes="Wrong address")
    assert (note.kind, note.total, note.credits_invoice_id, note.number) == (
        "credit_note",
        D("-100.00"),
        original,
        "INV-2026-000002",
    )
    assert services.invoices.get(original).invoice.status == "paid"
    assert services.figures.for_customer(business).outstanding_balance == D("0.00")
    assert_refused(
        lambda: services.invoices.credit_note(original, [LineInput("More", "1.00")]),
        "lines",
        "more than",
    )
    assert_refused(lambda: services.invoices.void(original), "status", "credit note")
    assert check_database(services.ctx.db.engine).problems == []


def test_partial_credit_note_leaves_the_rest_owed(services: Services, person: int) -> None:
    """A credit note for part of an invoice leaves it partly paid, owing the rest."""
    original = issued(services, person, "100.00")
    services.invoices.credit_note(original, [LineInput("Discount", "30.00")], on=ISSUED_ON)
    after = services.invoices.get(original).invoice
    assert (after.status, after.owed) == ("partly_paid", D("70.00"))


def test_every_change_is_in_the_history(services: Services, person: int) -> None:
    """Creating, issuing and paying an invoice write the customer's history."""
    invoice_id = issued(services, person, "10.00")
    services.billing.record_payment(person, PaymentCreate(amount="10.00"))
    with services.ctx.read() as session:
        fields = {
            (r.action, r.field, r.new_value)
            for r in session.scalars(
                select(ChangeRecord).where(
                    col(ChangeRecord.entity) == "invoice", col(ChangeRecord.entity_id) == invoice_id
                )
            )
        }
    assert ("create", "status", "draft") in fields
    assert ("update", "number", "INV-2026-000001") in fields
    assert ("update", "status", "paid") in fields


def test_unknown_invoice_not_found(services: Services) -> None:
    """Asking for a number that was never issued says so."""
    with pytest.raises(NotFound, match="INV-2026-999999"):
        services.invoices.get("INV-2026-999999")


def test_db_check_finds_a_tampered_balance(services: Services, person: int) -> None:
    """`crm db check` recounts outstanding balances from the invoices."""
    invoice_id = issued(services, person, "10.00")
    with services.ctx.write() as session:
        session.execute(
            update(Invoice).where(col(Invoice.id) == invoice_id).values(settled=D("4.00"))
        )
    problems = check_database(services.ctx.db.engine).problems
    assert any("outstanding_balance 10.00 (recount 6.00)" in p for p in problems), problems


def test_service_is_exposed(services: Services) -> None:
    """The registry hands out the invoice service."""
    assert isinstance(services.invoices, InvoiceService)


def test_db_check_finds_tampered_invoice_rows(services: Services, person: int) -> None:
    """`crm db check` recounts an invoice's total from its lines and its settled amount."""
    invoice_id = issued(services, person, "10.00")
    services.billing.record_payment(person, PaymentCreate(amount="4.00"))
    with services.ctx.write() as session:
        session.execute(
            update(Invoice)
            .where(col(Invoice.id) == invoice_id)
            .values(total=D("11.00"), settled=D("5.00"))
        )
    problems = check_database(services.ctx.db.engine).problems
    assert "INV-2026-000001: total 11.00 but its lines add up to 10.00." in problems
    assert (
        "INV-2026-000001: settled 5.00 but payments and credits set against it come to 4.00."
        in problems
    )


def test_removing_a_draft_line_retotals_and_is_logged(services: Services, person: int) -> None:
    """A draft's line can be removed: totals follow and the history says which line went."""
    draft = services.invoices.create_draft(
        person, [LineInput("Keep", "5.00"), LineInput("Drop", "7.00")]
    )
    drop = services.invoices.get(draft.id).lines[1].id
    after = services.invoices.remove_line(draft.id, drop)
    assert after.total == D("5.00")
    entries = services.history.for_customer(person)
    assert any(e.entity == "invoice_line" and e.old_value == "Drop" for e in entries)


def test_order_is_invoiced_once(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """An order's items become a draft's lines; invoicing the order again is refused until void."""
    order = services.billing.add_order(
        person,
        OrderCreate(items=[OrderItemCreate(description="Cable", quantity=2, unit_price="4.50")]),
    )
    assert order.id is not None
    draft = services.invoices.invoice_order(order.id, tax_rate=D("20"))
    assert (draft.subtotal, draft.tax, draft.total) == (D("9.00"), D("1.80"), D("10.80"))
    assert_refused(
        lambda: services.invoices.invoice_order(order.id or 0),
        "lines",
        "already on another invoice",
    )
    issued_id = services.invoices.issue(draft.id, on=ISSUED_ON).id
    services.invoices.void(issued_id)
    assert services.invoices.invoice_order(order.id).total == D("9.00")


def test_order_invoiced_and_issued_in_one_step(
    services: Services, person: int, assert_refused: RefusalCheck
) -> None:
    """With issue_on the order's invoice is issued at once; the order names it; a free order
    is refused whole (no draft left behind)."""
    order = services.billing.add_order(
        person,
        OrderCreate(items=[OrderItemCreate(description="Visit", quantity=1, unit_price="60")]),
    )
    assert order.id is not None and order.invoice == ""
    issued = services.invoices.invoice_order(order.id, tax_rate=D("20"), issue_on=ISSUED_ON)
    assert (issued.number, issued.status, issued.total) == ("INV-2026-000001", "issued", D("72.00"))
    [listed] = services.billing.orders(person)
    assert listed.invoice == "INV-2026-000001"
    free = services.billing.add_order(
        person, OrderCreate(items=[OrderItemCreate(description="Gift", unit_price="0")])
    )
    assert_refused(
        lambda: services.invoices.invoice_order(free.id, issue_on=ISSUED_ON),
        "lines",
        "at least one line with an amount",
    )
    drafts = services.invoices.invoice_order(free.id)
    assert {o.id: o.invoice for o in services.billing.orders(person)}[free.id] == drafts.label
