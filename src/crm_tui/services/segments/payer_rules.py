"""How a customer pays, as SQL conditions for segment rules.

- late: an invoice is open past its due date today, or one was paid (its
  last payment) after its due date;
- partial: an invoice is partly paid;
- on-time: has invoices, and is neither late nor partial.
`days overdue` is how many days the oldest open invoice is past due (0 when
none is). Conditions are correlated to `customer.id`; nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlmodel import col

from crm_tui.models import Customer, Invoice, InvoiceAllocation, Payment
from crm_tui.models.enums import OPEN_INVOICE_STATUSES, InvoiceKind, InvoiceStatus

_BILLED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def _invoices(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(col(Invoice.id)).where(
            col(Invoice.customer_id) == col(Customer.id),
            col(Invoice.kind) == InvoiceKind.INVOICE,
            *conditions,
        )
    )


def _late(today: date) -> ColumnElement[bool]:
    paid_late = exists(
        select(col(InvoiceAllocation.id))
        .join(Payment, col(Payment.id) == col(InvoiceAllocation.payment_id))
        .where(
            col(InvoiceAllocation.invoice_id) == col(Invoice.id),
            func.date(col(Payment.paid_at)) > col(Invoice.due_date),
        )
    )
    open_late = and_(col(Invoice.status).in_(OPEN_INVOICE_STATUSES), col(Invoice.due_date) < today)
    return _invoices(col(Invoice.status).in_(_BILLED), or_(open_late, paid_late))


def payer_condition(kind: str, today: date) -> ColumnElement[bool]:
    """Customers who are `kind` payers (on-time, late or partial) as of `today`."""
    partial = _invoices(col(Invoice.status) == InvoiceStatus.PARTLY_PAID)
    if kind == "partial":
        return partial
    late = _late(today)
    if kind == "late":
        return late
    return and_(_invoices(col(Invoice.status).in_(_BILLED)), not_(late), not_(partial))


def days_overdue_condition(op: str, value: Any, today: date) -> ColumnElement[bool]:
    """Compare the oldest open invoice's days past due (0 when none) using `op`."""
    oldest_due = (
        select(func.min(col(Invoice.due_date)))
        .where(
            col(Invoice.customer_id) == col(Customer.id),
            col(Invoice.kind) == InvoiceKind.INVOICE,
            col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
            col(Invoice.due_date) < today,
        )
        .scalar_subquery()
    )
    due = func.coalesce(oldest_due, today)  # days overdue = today - due

    def back(days: Any) -> date:
        return today - timedelta(days=int(days))

    # More days overdue means an earlier due date, so each comparison flips.
    comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
        "gt": lambda: due < back(value),
        "gte": lambda: due <= back(value),
        "lt": lambda: due > back(value),
        "lte": lambda: due >= back(value),
        "eq": lambda: due == back(value),
        "ne": lambda: due != back(value),
        "between": lambda: and_(due <= back(value[0]), due >= back(value[1])),
    }
    return comparisons[op]()
