"""Customer reports: revenue by customer or month, a customer's invoices, payment history.

Every figure is computed in the database and kept per currency: a report
never adds amounts in different currencies together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, cast, func, select, type_coerce
from sqlmodel import col

from crm_tui.models import Customer, Invoice, Payment, format_number
from crm_tui.models.enums import InvoiceStatus
from crm_tui.models.types import Money
from crm_tui.services.billing.settlement import used_of_payment
from crm_tui.services.common import as_money, display_name
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.money import reporting


@dataclass(frozen=True)
class Report:
    """A table: headers, rows, and which columns hold numbers."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    numeric: frozenset[int]


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def check(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("to", "The report cannot end before it starts.")


_BILLED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
_NAME = (col(Customer.kind), col(Customer.first_name), col(Customer.last_name),
         col(Customer.company_name))  # fmt: skip


REPORT_KINDS = ("revenue", "invoices", "payments")


class ReportService:
    """The customer reports of issue 22, for the CLI and the app."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def report(
        self, kind: str, period: Period, *, by: str = "customer", customer_id: int | None = None
    ) -> Report:
        """The report named `kind` (revenue, invoices or payments)."""
        if kind == "revenue":
            return self.revenue(period, by=by, customer_id=customer_id)
        if kind == "invoices":
            return self.invoices(period, customer_id=customer_id)
        if kind == "payments":
            return self.payments(period, customer_id=customer_id)
        raise ValidationError(
            "report", f"There is no {kind!r} report; use revenue, invoices or payments."
        )

    def revenue(
        self, period: Period, *, by: str = "customer", customer_id: int | None = None
    ) -> Report:
        """Invoiced (credit notes net), paid and still owed, per customer or month and currency."""
        period.check()
        if by not in ("customer", "month"):
            raise ValidationError("by", "Group revenue by customer or by month.")
        owed = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
        month = func.substr(cast(col(Invoice.issue_date), String), 1, 7)
        keys: tuple[Any, ...] = (month,) if by == "month" else (col(Customer.id), *_NAME)
        query = (
            select(*keys, col(Invoice.currency), func.count(),
                   func.sum(col(Invoice.total)), func.sum(col(Invoice.settled)), func.sum(owed))
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(col(Invoice.status).in_(_BILLED))
            .group_by(*keys, col(Invoice.currency))
            .order_by(*keys, col(Invoice.currency))
        )  # fmt: skip
        query = _in_period(query, col(Invoice.issue_date), period, customer_id)
        with self.ctx.read() as session:
            found = session.execute(query).all()
        rows = []
        for row in found:
            if by == "month":
                key: tuple[Any, ...] = (row[0],)
            else:
                key = (format_number(row[0]), display_name(*row[1:5]))
            rows.append((*key, row[-5], row[-4], *(as_money(v) for v in row[-3:])))
        head = ("Month",) if by == "month" else ("Customer", "Name")
        headers = (*head, "Currency", "Invoices", "Invoiced", "Paid", "Owed")
        return Report("Revenue", headers, rows, frozenset(range(len(head) + 1, len(headers))))

    def invoices(self, period: Period, *, customer_id: int | None = None) -> Report:
        """Every issued invoice and credit note, oldest first."""
        period.check()
        query = (
            select(col(Invoice.number), col(Invoice.kind), col(Customer.id), *_NAME,
                   col(Invoice.issue_date), col(Invoice.due_date), col(Invoice.status),
                   col(Invoice.currency), col(Invoice.total), col(Invoice.settled))
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(col(Invoice.number).is_not(None))
            .order_by(col(Invoice.issue_date), col(Invoice.year), col(Invoice.sequence))
        )  # fmt: skip
        query = _in_period(query, col(Invoice.issue_date), period, customer_id)
        with self.ctx.read() as session:
            found = session.execute(query).all()
        rows = [
            (
                r[0],
                r[1].replace("_", " "),
                format_number(r[2]),
                display_name(*r[3:7]),
                r[7],
                r[8],
                r[9].replace("_", " "),
                r[10],
                r[11],
                r[12],
            )  # fmt: skip
            for r in found
        ]
        headers = ("Number", "Kind", "Customer", "Name", "Issued", "Due", "Status", "Currency",
                   "Total", "Paid")  # fmt: skip
        return Report("Invoices", headers, rows, frozenset({8, 9}))

    def payments(self, period: Period, *, customer_id: int | None = None) -> Report:
        """Payment history: each payment, its amount in the reporting currency (at the rate of
        its day, as every figure counts it; blank with no rate), and how much of it settled
        invoices (in its own currency)."""
        period.check()
        used = used_of_payment()
        query = (
            select(col(Payment.paid_at), col(Customer.id), *_NAME, col(Payment.status),
                   col(Payment.currency), col(Payment.amount), col(Payment.reporting_amount),
                   used, col(Payment.reference))
            .join(Customer, col(Customer.id) == col(Payment.customer_id))
            .order_by(col(Payment.paid_at), col(Payment.id))
        )  # fmt: skip
        start = datetime.combine(period.start, time(), UTC) if period.start else None
        end = datetime.combine(period.end + timedelta(days=1), time(), UTC) if period.end else None
        if start is not None:
            query = query.where(col(Payment.paid_at) >= start)
        if end is not None:
            query = query.where(col(Payment.paid_at) < end)
        if customer_id is not None:
            query = query.where(col(Payment.customer_id) == customer_id)
        with self.ctx.read() as session:
            quote = reporting.currency(session)
            found = session.execute(query).all()
        rows = [
            (
                r[0].date(),
                format_number(r[1] or 0),
                display_name(*r[2:6]),
                r[6],
                r[7],
                r[8],
                r[9],
                as_money(r[10]),
                r[11] or "",
            )  # fmt: skip
            for r in found
        ]
        headers = ("Date", "Customer", "Name", "Status", "Currency", "Amount",
                   f"Amount in {quote}", "Settled invoices", "Reference")  # fmt: skip
        return Report("Payments", headers, rows, frozenset({5, 6, 7}))


def _in_period(query: Any, column: Any, period: Period, customer_id: int | None) -> Any:
    if period.start is not None:
        query = query.where(column >= period.start)
    if period.end is not None:
        query = query.where(column <= period.end)
    if customer_id is not None:
        query = query.where(col(Invoice.customer_id) == customer_id)
    return query
