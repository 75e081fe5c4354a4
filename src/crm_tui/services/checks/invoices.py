"""`crm db check` for invoices: stored totals and settled amounts against a recount.

Each is one query in the database returning only the disagreeing invoices.
"""

from __future__ import annotations

from sqlalchemy import Connection, Subquery, func, or_, select, type_coerce
from sqlalchemy.orm import Mapped
from sqlmodel import col

from crm_tui.models import Invoice, InvoiceAllocation, InvoiceLine, Payment
from crm_tui.models.enums import PaymentStatus
from crm_tui.models.types import Money


def invoice_problems(conn: Connection, limit: int) -> list[str]:
    lines = (
        select(
            col(InvoiceLine.invoice_id).label("invoice_id"),
            type_coerce(func.sum(col(InvoiceLine.amount)), Money()).label("subtotal"),
            type_coerce(func.sum(col(InvoiceLine.tax)), Money()).label("tax"),
        )
        .group_by(col(InvoiceLine.invoice_id))
        .subquery()
    )
    paid_in = _allocated(col(InvoiceAllocation.invoice_id))
    used_by = _allocated(col(InvoiceAllocation.credit_note_id))
    zero = 0
    expected_settled = func.coalesce(paid_in.c.amount, zero) + func.coalesce(used_by.c.amount, zero)
    query = (
        select(
            col(Invoice.id),
            col(Invoice.number),
            col(Invoice.total),
            col(Invoice.settled),
            type_coerce(
                func.coalesce(lines.c.subtotal, zero) + func.coalesce(lines.c.tax, zero), Money()
            ).label("lines_total"),
            type_coerce(expected_settled, Money()).label("allocated"),
        )
        .outerjoin(lines, lines.c.invoice_id == col(Invoice.id))
        .outerjoin(paid_in, paid_in.c.ref == col(Invoice.id))
        .outerjoin(used_by, used_by.c.ref == col(Invoice.id))
        .where(
            or_(
                col(Invoice.total)
                != func.coalesce(lines.c.subtotal, zero) + func.coalesce(lines.c.tax, zero),
                col(Invoice.settled) != expected_settled,
            )
        )
        .order_by(col(Invoice.id))
        .limit(limit)
    )
    problems = []
    for row in conn.execute(query).mappings():
        label = row["number"] or f"Draft invoice #{row['id']}"
        if row["total"] != row["lines_total"]:
            problems.append(
                f"{label}: total {row['total']} but its lines add up to {row['lines_total']}."
            )
        if row["settled"] != row["allocated"]:
            problems.append(
                f"{label}: settled {row['settled']} but payments and credits set against it "
                f"come to {row['allocated']}."
            )
    return problems


def payment_problems(conn: Connection, limit: int) -> list[str]:
    """Payments whose allocations use more of them than they hold, or that settle
    invoices while not paid (a refund takes its allocations back)."""
    used = (
        select(
            col(InvoiceAllocation.payment_id).label("payment_id"),
            type_coerce(func.sum(col(InvoiceAllocation.source_amount)), Money()).label("used"),
        )
        .where(col(InvoiceAllocation.payment_id).is_not(None))
        .group_by(col(InvoiceAllocation.payment_id))
        .subquery()
    )
    query = (
        select(col(Payment.id), col(Payment.amount), col(Payment.currency), col(Payment.status),
               used.c.used)
        .join(used, used.c.payment_id == col(Payment.id))
        .where(or_(used.c.used > col(Payment.amount), col(Payment.status) != PaymentStatus.PAID))
        .order_by(col(Payment.id))
        .limit(limit)
    )  # fmt: skip
    problems = []
    for row in conn.execute(query).mappings():
        if row["status"] != PaymentStatus.PAID:
            problems.append(
                f"Payment #{row['id']} is {row['status']} but still settles invoices "
                f"({row['currency']} {row['used']} of it)."
            )
        else:
            problems.append(
                f"Payment #{row['id']} of {row['currency']} {row['amount']} settles invoices "
                f"with {row['currency']} {row['used']} of it."
            )
    return problems


def _allocated(key: Mapped[int] | Mapped[int | None]) -> Subquery:
    """Allocated amounts summed per invoice (or per credit note) id."""
    return (
        select(
            key.label("ref"),
            type_coerce(func.sum(col(InvoiceAllocation.amount)), Money()).label("amount"),
        )
        .group_by(key)
        .subquery()
    )
