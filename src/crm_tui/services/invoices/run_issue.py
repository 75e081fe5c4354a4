"""Writing one batch of the billing run: invoices, lines and history, set-based.

Everything is written by the database from the batch's staged lines (see
run_stage) with INSERT ... SELECT: a million invoices built row by row
would take hours. The numbers come from one counter bump for the batch, in
the batch's transaction (numbers.take_numbers, the same rule as issuing one
invoice), so they stay gap-free; the invoices take them in the order of
their first line. Customers who hold credit in the invoice's currency have
it set against their new invoice, and every payer's outstanding balance is
recounted in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from crm_tui.models import Customer, Invoice, InvoiceLine, Note
from crm_tui.models.enums import (
    CustomerKind,
    InvoiceKind,
    InvoiceStatus,
    PaymentTerms,
    Visibility,
)
from crm_tui.models.types import Money, UTCDateTime, utcnow
from crm_tui.services.billing import settlement, summary
from crm_tui.services.common import core_table
from crm_tui.services.history import record_selected
from crm_tui.services.invoices.issuing import (
    MAX_PRINTED_NOTES,
    note_line,
    printed_notes,
    terms_days,
)
from crm_tui.services.invoices.numbers import invoice_number_sql, take_numbers
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run_sql import date_text, money_text
from crm_tui.services.invoices.run_stage import Stage

ONE = Decimal("1.00")
# The fields a clerk reads in the log for each invoice the run issues, in order.
HISTORY_FIELDS = ("number", "status", "total", "currency", "due_date")


def issue_staged(
    session: Session, stage: Stage, month: Month, on: date, actor: str, tax_rate: Decimal
) -> None:
    """Issue the staged invoices, numbered gap-free in their order."""
    count = session.scalar(select(func.count()).select_from(stage.invoices))
    if not count:
        return
    numbers = take_numbers(session, on, int(count))
    year, first, last = numbers[0][0], numbers[0][1], numbers[-1][1]
    sequence = stage.invoices.c.ordinal + (first - 1)
    now = utcnow()
    session.execute(_invoices(stage.invoices, sequence, month, on, now, year))
    session.execute(_lines(stage, sequence, month, year, tax_rate))
    mine = and_(col(Invoice.year) == year, col(Invoice.sequence).between(first, last))
    record_selected(session, _history(mine, actor, now))
    payers = select(stage.invoices.c.payer_id).distinct()
    _print_notes(session, payers, mine)
    _use_credit(session, stage.invoices, actor)
    summary.refresh_outstanding(session, payers)


def _invoices(
    invoices: Table,
    sequence: ColumnElement[int],
    month: Month,
    on: date,
    now: datetime,
    year: int,
) -> Any:
    staged = invoices.c
    payer = aliased(Customer)
    day = bindparam("on", on, type_=Date())
    stamp = bindparam("now", now, UTCDateTime())
    due, terms = _due_and_terms(payer, on, day)
    money = Money()
    source = (
        select(
            staged.payer_id, staged.group_id, literal(InvoiceKind.INVOICE.value),
            invoice_number_sql(year, sequence), literal(year), sequence,
            literal(InvoiceStatus.ISSUED.value), day, due, terms,
            bindparam("first_day", month.first_day, type_=Date()),
            bindparam("last_day", month.last_day, type_=Date()), staged.currency,
            staged.subtotal, staged.tax, staged.subtotal + staged.tax,
            literal(Decimal("0.00"), money), literal(""), stamp, stamp, literal(1),
        )
        .join(payer, col(payer.id) == staged.payer_id)
        .order_by(staged.ordinal)
    )  # fmt: skip
    return insert(Invoice).from_select(
        ["customer_id", "billing_group_id", "kind", "number", "year", "sequence", "status",
         "issue_date", "due_date", "payment_terms", "period_start", "period_end", "currency",
         "subtotal", "tax", "total", "settled", "notes", "created_at", "issued_at", "version"],
        source,
    )  # fmt: skip


def _due_and_terms(
    payer: Any, on: date, day: ColumnElement[date]
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """issuing.due_date_for in SQL: businesses by their terms, individuals on issue."""
    has_terms = and_(
        payer.kind == CustomerKind.BUSINESS.value, func.coalesce(payer.payment_terms, "") != ""
    )
    by_terms = case(
        *[
            (payer.payment_terms == terms.value,
             literal(on + timedelta(days=terms_days(terms.value)), Date()))
            for terms in PaymentTerms
        ],
        else_=day,
    )  # fmt: skip
    return case((has_terms, by_terms), else_=day), case((has_terms, payer.payment_terms))


def _lines(
    stage: Stage, sequence: ColumnElement[int], month: Month, year: int, tax_rate: Decimal
) -> Any:
    staged, invoices = stage.lines.c, stage.invoices.c
    position = func.row_number().over(
        partition_by=(staged.payer_id, staged.currency), order_by=staged.rn
    )
    money = Money()
    source = (
        select(
            col(Invoice.id), position.label("position"), staged.description,
            literal(ONE, money), staged.amount, literal(tax_rate, money), staged.amount,
            staged.tax, staged.subscription_id,
            bindparam("first_day", month.first_day, type_=Date()),
            bindparam("last_day", month.last_day, type_=Date()), true(),
        )
        .select_from(stage.lines)
        .join(
            stage.invoices,
            and_(invoices.payer_id == staged.payer_id, invoices.currency == staged.currency),
        )
        .join(Invoice, and_(col(Invoice.year) == year, col(Invoice.sequence) == sequence))
        .order_by(invoices.ordinal, staged.rn)
    )  # fmt: skip
    return insert(InvoiceLine).from_select(
        ["invoice_id", "position", "description", "quantity", "unit_price", "tax_rate",
         "amount", "tax", "subscription_id", "period_start", "period_end", "claims"],
        source,
    )  # fmt: skip


def _history(mine: ColumnElement[bool], actor: str, now: datetime) -> Any:
    """One history row per field that matters to a clerk reading the log, per invoice."""
    fields = union_all(
        *[
            select(literal(name).label("field"), literal(n, Integer()).label("place"))
            for n, name in enumerate(HISTORY_FIELDS)
        ]
    ).subquery()
    value = case(
        (fields.c.field == "number", col(Invoice.number)),
        (fields.c.field == "status", col(Invoice.status)),
        (fields.c.field == "total", money_text(col(Invoice.total))),
        (fields.c.field == "currency", col(Invoice.currency)),
        else_=date_text(col(Invoice.due_date)),
    )
    return (
        select(
            col(Invoice.customer_id), literal("invoice"), col(Invoice.id), literal("create"),
            fields.c.field, null(), value, literal(1), literal(actor),
            bindparam("now", now, UTCDateTime()),
        )
        .select_from(Invoice)
        .join(fields, true())
        .where(mine)
        .order_by(col(Invoice.id), fields.c.place)
    )  # fmt: skip


def _print_notes(session: Session, payers: Select[Any], mine: ColumnElement[bool]) -> None:
    """The payers' customer-visible notes (pinned first, newest next) printed on their
    invoices: few customers have any, so they are read and written for those only."""
    found: dict[int, list[str]] = defaultdict(list)
    for customer_id, title, body in session.execute(
        select(col(Note.customer_id), col(Note.title), col(Note.body))
        .where(col(Note.customer_id).in_(payers), col(Note.visibility) == Visibility.CUSTOMER)
        .order_by(col(Note.customer_id), col(Note.pinned).desc(), col(Note.created_at).desc())
    ):
        if len(found[customer_id]) < MAX_PRINTED_NOTES:
            found[customer_id].append(note_line(title, body))
    if not found:
        return
    invoices = session.execute(
        select(col(Invoice.id), col(Invoice.customer_id)).where(
            mine, col(Invoice.customer_id).in_(list(found))
        )
    ).all()
    session.execute(
        update(core_table(Invoice)).where(col(Invoice.id) == bindparam("invoice_id")),
        [
            {"invoice_id": invoice_id, "notes": printed_notes("", "\n".join(found[customer]))}
            for invoice_id, customer in invoices
        ],
    )


def _use_credit(session: Session, invoices: Table, actor: str) -> None:
    """Settle the new invoices of payers who hold credit that may pay them."""
    pairs = {
        (int(payer), str(currency))
        for payer, currency in session.execute(select(invoices.c.payer_id, invoices.c.currency))
    }
    for customer_id in settlement.holders_of_credit(session, pairs):
        settlement.settle(session, customer_id, actor)
