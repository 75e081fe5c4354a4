"""The monthly figures read from the day-by-day tables (crm_tui.db.dashboard_figures).

Each function is one query over a few thousand rows (churn: over the spans
that end in the window, through their index), whatever the number of
subscriptions, and answers for any days, the last one cut at as_of.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    table,
    type_coerce,
)
from sqlalchemy.orm import Session

from crm_tui.models.types import MoneyTotal
from crm_tui.services.common import as_money
from crm_tui.services.money import convert

income = table(
    "dashboard_income",
    column("day", Date),
    column("currency", String),
    column("subscriptions", Integer),
    column("amount", MoneyTotal),
)
active = table("dashboard_active", column("day", Date), column("customers", Integer))
span = table(
    "activity_span",
    column("customer_id", Integer),
    column("start_day", Date),
    column("end_day", Date),
    column("next_start", Date),
)


def active_on(session: Session, days: list[date]) -> list[int]:
    """Customers with a running subscription on each day."""
    row = session.execute(
        select(
            *[
                func.coalesce(func.sum(case((active.c.day <= day, active.c.customers))), 0)
                for day in days
            ]
        )
    ).one()
    return [int(v or 0) for v in row]


def lost_between(session: Session, days: list[date]) -> list[int]:
    """For each pair of consecutive days: customers active on the first, not on the second.

    A span that covers the first day and ends by the second loses its
    customer unless another of their spans covers the second day: surely not
    when their next span starts after it, and otherwise looked up (rare).
    """
    other = span.alias("other")

    def lost(before: date, day: date) -> ColumnElement[int]:
        back_by = exists().where(
            other.c.customer_id == span.c.customer_id,
            other.c.start_day <= day,
            other.c.end_day > day,
        )
        return func.count(
            case(
                (
                    and_(
                        span.c.end_day > before,
                        span.c.end_day <= day,
                        span.c.start_day <= before,
                        or_(span.c.next_start > day, ~back_by),
                    ),
                    1,
                )
            )
        )

    row = session.execute(
        select(*[lost(a, b) for a, b in zip(days, days[1:], strict=False)]).where(
            span.c.end_day > days[0], span.c.end_day <= days[-1]
        )
    ).one()
    return [int(v or 0) for v in row]


def income_on(
    session: Session, days: list[date], quote: str
) -> tuple[dict[str, tuple[Decimal, ...]], tuple[Decimal, ...], tuple[str, ...]]:
    """Monthly income running on each day: per currency; in `quote` (each currency's total
    converted at the rate of the day, rounded once); currencies with running subscriptions
    and no rate on the last day."""
    rows = session.execute(
        select(
            income.c.currency,
            *[
                type_coerce(
                    func.coalesce(func.sum(case((income.c.day <= day, income.c.amount))), 0),
                    MoneyTotal,
                )
                for day in days
            ],
            func.coalesce(func.sum(case((income.c.day <= days[-1], income.c.subscriptions))), 0),
        )
        .group_by(income.c.currency)
        .order_by(income.c.currency)
    ).all()
    n = len(days)
    by_currency = {str(r[0]): tuple(as_money(v) for v in r[1 : n + 1]) for r in rows}
    counted = {str(r[0]): int(r[n + 1] or 0) for r in rows}
    converted = _converted(session, by_currency, days, quote)
    reporting = tuple(
        sum((x for v in converted.values() if (x := v[i]) is not None), Decimal("0.00"))
        for i in range(n)
    )
    unpriced = tuple(c for c, v in converted.items() if counted[c] and v[-1] is None)
    return by_currency, reporting, unpriced


def _converted(
    session: Session, by_currency: dict[str, tuple[Decimal, ...]], days: list[date], quote: str
) -> dict[str, list[Decimal | None]]:
    """Each currency's totals in `quote` at the rate of their day (None: no rate), in one query."""
    if not by_currency:
        return {}
    columns = [
        convert.in_reporting(
            literal(amount, MoneyTotal()), literal(currency), quote, literal(day, Date())
        )
        for currency, amounts in by_currency.items()
        for amount, day in zip(amounts, days, strict=True)
    ]
    row = session.execute(select(*columns)).one()
    n = len(days)
    return {
        currency: [None if v is None else as_money(v) for v in row[i * n : (i + 1) * n]]
        for i, currency in enumerate(by_currency)
    }
