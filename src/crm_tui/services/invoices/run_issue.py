"""Writing one batch of the billing run: invoices, lines and history in bulk.

Rows go in with multi-row INSERTs (a million invoices row by row through the
ORM would take hours); the numbers come from one counter bump for the batch,
in the batch's transaction, so they stay gap-free. Customers who hold credit
in the invoice's currency have it set against their new invoice, and every
payer's outstanding balance is recounted in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ChangeRecord, Customer, Invoice, InvoiceLine, Note
from crm_tui.models.enums import InvoiceKind, InvoiceStatus, Visibility
from crm_tui.models.types import utcnow
from crm_tui.services.billing import settlement, summary
from crm_tui.services.history import as_text
from crm_tui.services.invoices.issuing import (
    MAX_PRINTED_NOTES,
    due_date_for,
    note_line,
    printed_notes,
)
from crm_tui.services.invoices.lines import totals
from crm_tui.services.invoices.numbers import take_numbers
from crm_tui.services.invoices.periods import Month

if TYPE_CHECKING:
    from crm_tui.services.invoices.run import RunDraft


def issue_batch(
    session: Session, drafts: Sequence[RunDraft], month: Month, on: date, actor: str
) -> None:
    payers = sorted({d.payer_id for d in drafts})
    customers = {
        c.id: c for c in session.scalars(select(Customer).where(col(Customer.id).in_(payers)))
    }
    notes = _visible_notes(session, payers)
    numbers = take_numbers(session, on, len(drafts))
    now = utcnow()
    invoice_rows: list[dict[str, Any]] = []
    for draft, (year, sequence, number) in zip(drafts, numbers, strict=True):
        sums = totals(v for v, _ in draft.lines)
        due, terms = due_date_for(customers[draft.payer_id], on)
        invoice_rows.append({
            "customer_id": draft.payer_id, "billing_group_id": draft.group_id,
            "kind": InvoiceKind.INVOICE.value, "number": number, "year": year,
            "sequence": sequence, "status": InvoiceStatus.ISSUED.value, "issue_date": on,
            "due_date": due, "payment_terms": terms, "period_start": month.first_day,
            "period_end": month.last_day, "currency": draft.currency, "subtotal": sums.subtotal,
            "tax": sums.tax, "total": sums.total, "settled": 0,
            "notes": printed_notes("", notes.get(draft.payer_id, "")), "created_at": now,
            "issued_at": now, "version": 1,
        })  # fmt: skip
    ids = [
        invoice_id
        for invoice_id in session.scalars(
            insert(Invoice).returning(col(Invoice.id), sort_by_parameter_order=True), invoice_rows
        )
        if invoice_id is not None  # never: ids are assigned by the database
    ]
    line_rows = [
        {
            "invoice_id": invoice_id,
            "position": position,
            "description": v.description,
            "quantity": v.quantity,
            "unit_price": v.unit_price,
            "tax_rate": v.tax_rate,
            "amount": v.amount,
            "tax": v.tax,
            "subscription_id": sub_id,
            "period_start": month.first_day,
            "period_end": month.last_day,
            "order_item_id": None,
            "claims": True,
        }  # fmt: skip
        for invoice_id, draft in zip(ids, drafts, strict=True)
        for position, (v, sub_id) in enumerate(draft.lines, start=1)
    ]
    session.execute(insert(InvoiceLine), line_rows)
    session.execute(insert(ChangeRecord), _history_rows(ids, invoice_rows, actor, now))
    _use_credit(session, drafts, actor)
    summary.refresh_outstanding(session, payers)


def _history_rows(
    ids: Sequence[int], invoice_rows: list[dict[str, Any]], actor: str, now: object
) -> list[dict[str, Any]]:
    """One history row per field that matters to a clerk reading the log."""
    return [
        {
            "customer_id": row["customer_id"],
            "entity": "invoice",
            "entity_id": invoice_id,
            "action": "create",
            "field": name,
            "old_value": None,
            "new_value": as_text(row[name]),
            "version": 1,
            "actor": actor,
            "changed_at": now,
        }  # fmt: skip
        for invoice_id, row in zip(ids, invoice_rows, strict=True)
        for name in ("number", "status", "total", "currency", "due_date")
    ]


def _visible_notes(session: Session, payers: list[int]) -> dict[int, str]:
    """The customer-visible notes of each payer, as printed (pinned first, newest next)."""
    found: dict[int, list[str]] = defaultdict(list)
    for note in session.scalars(
        select(Note)
        .where(col(Note.customer_id).in_(payers), col(Note.visibility) == Visibility.CUSTOMER)
        .order_by(col(Note.customer_id), col(Note.pinned).desc(), col(Note.created_at).desc())
    ):
        if len(found[note.customer_id]) < MAX_PRINTED_NOTES:
            found[note.customer_id].append(note_line(note))
    return {cid: "\n".join(texts) for cid, texts in found.items()}


def _use_credit(session: Session, drafts: Sequence[RunDraft], actor: str) -> None:
    """Settle the new invoices of payers who hold credit in their currency."""
    pairs = {(d.payer_id, d.currency) for d in drafts}
    for customer_id, currency in settlement.holders_of_credit(session, pairs):
        settlement.settle(session, customer_id, currency, actor)
