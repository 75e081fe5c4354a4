"""What issuing does to a draft: number, dates, payment terms and printed notes.

Shared by issuing one invoice and by the billing run, which issues many in
one transaction (one counter bump for the batch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Invoice, InvoiceLine, Note
from crm_tui.models.enums import CustomerKind, InvoiceKind, InvoiceStatus, Visibility
from crm_tui.models.types import utcnow
from crm_tui.services.customers import child_rows as rows
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.numbers import take_numbers

MAX_PRINTED_NOTES = 5
MAX_NOTES_TEXT = 4000


def terms_days(terms: str | None) -> int:
    """Days to pay under "Net 30"-style terms; 0 when there are none."""
    if terms and terms.startswith("Net "):
        return int(terms.removeprefix("Net "))
    return 0


def due_date_for(customer: Customer, issue_date: date) -> tuple[date, str | None]:
    """Due date and the terms applied: businesses by their terms, individuals on issue."""
    if customer.kind != CustomerKind.BUSINESS or not customer.payment_terms:
        return issue_date, None
    return issue_date + timedelta(days=terms_days(customer.payment_terms)), customer.payment_terms


def visible_notes(session: Session, customer_id: int) -> str:
    """The customer-visible notes, pinned first then newest, as printed on an invoice."""
    notes = session.scalars(
        select(Note)
        .where(col(Note.customer_id) == customer_id, col(Note.visibility) == Visibility.CUSTOMER)
        .order_by(col(Note.pinned).desc(), col(Note.created_at).desc(), col(Note.id).desc())
        .limit(MAX_PRINTED_NOTES)
    ).all()
    return "\n".join(note_line(n.title, n.body) for n in notes)


def note_line(title: str, body: str | None) -> str:
    """One visible note as printed: "Title: body"."""
    return f"{title}: {body}" if body else title


def printed_notes(typed: str, visible: str) -> str:
    text = "\n".join(part for part in (typed, visible) if part)
    return text[:MAX_NOTES_TEXT]


def issue_rows(
    session: Session, drafts: Sequence[tuple[Invoice, Customer]], on: date, actor: str
) -> None:
    """Issue these drafts on `on`, numbered in the order given."""
    numbers = take_numbers(session, on, len(drafts))
    issued_at = utcnow()
    for (invoice, customer), (year, sequence, number) in zip(drafts, numbers, strict=True):
        due, terms = due_date_for(customer, on)
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            due, terms = on, None
        notes = (
            invoice.notes
            if invoice.kind == InvoiceKind.CREDIT_NOTE
            else printed_notes(invoice.notes, visible_notes(session, invoice.customer_id))
        )
        rows.apply_changes(
            session,
            invoice,
            {
                "number": number,
                "year": year,
                "sequence": sequence,
                "status": InvoiceStatus.ISSUED.value,
                "issue_date": on,
                "due_date": due,
                "payment_terms": terms,
                "notes": notes,
                "issued_at": issued_at,
            },
            entity="invoice",
            actor=actor,
            expected_version=None,
        )


def release_claims(session: Session, invoice_id: int) -> None:
    """A void invoice no longer bills its subscription periods and order items."""
    session.execute(
        update(InvoiceLine).where(col(InvoiceLine.invoice_id) == invoice_id).values(claims=False)
    )


def claim_or_refuse(session: Session, add: Callable[[], None], message: str) -> None:
    """Run `add`; a clash on a claim index (billed twice) becomes a refusal in one sentence."""
    try:
        add()
    except IntegrityError as exc:
        if "invoice_line" in str(exc.orig) or "uq_invoice_line" in str(exc.orig):
            raise ValidationError("lines", message) from None
        raise
