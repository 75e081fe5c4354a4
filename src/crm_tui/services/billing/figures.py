"""A customer's figures, computed in the database from the money rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Invoice, Payment
from crm_tui.models.types import Money
from crm_tui.services.billing import summary
from crm_tui.services.billing.figure_values import CurrencyLine, customer_figures
from crm_tui.services.billing.figure_values import CustomerFigures as CustomerFigures
from crm_tui.services.billing.figure_values import currency_lines as lines_of
from crm_tui.services.context import ServiceContext
from crm_tui.services.money import reporting


class FigureService:
    """Live figures for one customer, recounted by aggregate queries."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def for_customer(self, customer_id: int) -> CustomerFigures:
        with self.ctx.read() as session:
            values = summary.recount(session, [customer_id], priced=True)[customer_id]
            lines = currency_lines(session, customer_id, reporting.currency(session))
        return customer_figures(values, lines, self.ctx.reporting_currency)


def paid_by_currency(customer_id: int) -> Select[*tuple[Any, ...]]:
    """Paid payments per currency: (currency, amount, in reporting, unpriced count)."""
    return (
        select(
            col(Payment.currency),
            func.coalesce(func.sum(col(Payment.amount)), 0).label("amount"),
            func.coalesce(func.sum(col(Payment.reporting_amount)), 0).label("in_reporting"),
            func.count(case((col(Payment.reporting_amount).is_(None), 1))).label("unpriced"),
        )
        .where(col(Payment.customer_id) == customer_id, summary.paid_payment())
        .group_by(col(Payment.currency))
    )


def owed_by_currency(customer_id: int, quote: str) -> Select[*tuple[Any, ...]]:
    """What open invoices owe per currency: (currency, owed, in reporting, unpriced count)."""
    owed = type_coerce(col(Invoice.total) - col(Invoice.settled), Money())
    in_reporting = summary.owed_in_reporting(quote)
    return (
        select(
            col(Invoice.currency),
            func.coalesce(func.sum(owed), 0).label("amount"),
            func.sum(in_reporting).label("in_reporting"),
            func.count(case((in_reporting.is_(None), 1))).label("unpriced"),
        )
        .where(col(Invoice.customer_id) == customer_id, summary.open_invoice())
        .group_by(col(Invoice.currency))
    )


def currency_lines(session: Session, customer_id: int, quote: str) -> tuple[CurrencyLine, ...]:
    """Paid and owed per currency, each with its reporting value: two grouped queries."""
    payments = session.execute(paid_by_currency(customer_id)).all()
    invoices = session.execute(owed_by_currency(customer_id, quote)).all()
    return lines_of(payments, invoices, quote)
