"""Which overdue invoices are due a reminder, and at which dunning level.

Levels are days after the due date (default 7, 21, 35). An invoice is due
the highest level it has reached when no reminder at that level or above was
sent: a customer 40 days late gets the final notice, not three letters at
once. The whole choice is made in the database, thresholds given as dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Invoice, InvoiceReminder
from crm_tui.models.enums import OPEN_INVOICE_STATUSES, CustomerStatus, InvoiceKind
from crm_tui.services.common import display_name
from crm_tui.services.invoices.reads import InvoiceRead, invoice_read

LEVEL_NAMES = ("First reminder", "Second reminder", "Final notice")


def level_name(level: int, levels: int) -> str:
    """ "First reminder", ..., the last level always "Final notice"."""
    if level == levels:
        return LEVEL_NAMES[-1]
    return LEVEL_NAMES[level - 1] if level <= len(LEVEL_NAMES) - 1 else f"Reminder {level}"


@dataclass(frozen=True)
class DueReminder:
    """One reminder to send, or to skip with the reason why."""

    invoice: InvoiceRead
    level: int
    email: str | None
    skip_reason: str | None


def due_reminders(
    session: Session,
    levels: Sequence[int],
    today: date,
    *,
    customer_id: int | None = None,
    invoice_ids: Sequence[int] | None = None,
    limit: int | None = None,
) -> list[DueReminder]:
    reached = case(
        *[(col(Invoice.due_date) <= today - timedelta(days=days), n)
          for n, days in reversed(list(enumerate(levels, start=1)))],
        else_=0,
    )  # fmt: skip
    sent = (
        select(func.coalesce(func.max(col(InvoiceReminder.level)), 0))
        .where(col(InvoiceReminder.invoice_id) == col(Invoice.id))
        .scalar_subquery()
    )
    query = (
        select(Invoice, reached.label("level"), *_CUSTOMER_COLUMNS)
        .join(Customer, col(Customer.id) == col(Invoice.customer_id))
        .where(
            col(Invoice.kind) == InvoiceKind.INVOICE,
            col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            col(Invoice.due_date) <= today - timedelta(days=min(levels)),
            reached > sent,
        )
        .order_by(col(Invoice.customer_id), col(Invoice.due_date), col(Invoice.id))
    )
    if customer_id is not None:
        query = query.where(col(Invoice.customer_id) == customer_id)
    if invoice_ids is not None:
        query = query.where(col(Invoice.id).in_(invoice_ids))
    if limit is not None:
        query = query.limit(limit)
    return [_due(row) for row in session.execute(query).all()]


_CUSTOMER_COLUMNS = (
    col(Customer.kind), col(Customer.first_name), col(Customer.last_name),
    col(Customer.company_name), col(Customer.email), col(Customer.status),
    col(Customer.erased_at),
)  # fmt: skip


def _due(row: Any) -> DueReminder:
    invoice, level, kind, first, last, company, email, status, erased = row
    name = display_name(kind, first, last, company)
    reason = None
    if erased is not None:
        reason = "the customer's data was erased"
    elif status == CustomerStatus.BLOCKED:
        reason = "the customer is blocked"
    elif not email:
        reason = "the customer has no e-mail address"
    return DueReminder(invoice_read(invoice, name), int(level), email, reason)
