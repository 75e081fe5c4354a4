"""Reporting amounts: stored against a recount at the stored rates, and payments with no rate.

Both are single queries in the database. A paid payment with no rate for its
day is left out of every figure: the check flags it (the database is sound,
its figures incomplete) with its currency, how many, their dates and the
command that adds a rate.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlmodel import col

from crm_tui.models import Invoice, Payment
from crm_tui.services.billing import summary
from crm_tui.services.money import recompute, reporting
from crm_tui.services.money.rates import unpriced

MAX_LISTED = 5


def drifted(conn: Connection) -> tuple[int, list[int]]:
    """How many payments' stored reporting amounts differ from a recount, and some ids."""
    quote = reporting.currency(conn)
    wrong = col(Payment.reporting_amount).is_distinct_from(recompute.payment_value(quote))
    count = int(conn.scalar(select(func.count()).select_from(Payment).where(wrong)) or 0)
    ids = list(
        conn.scalars(
            select(col(Payment.id)).where(wrong).order_by(col(Payment.id)).limit(MAX_LISTED)
        )
    )
    return count, [int(i or 0) for i in ids]


def reporting_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
    if reporting.recorded(conn) is None:
        return [
            "No reporting currency is recorded yet; open the database for writing "
            "(`crm db upgrade`) to record it and compute every reporting amount."
        ]
    count, ids = drifted(conn)
    if count:
        shown = ", ".join(str(i) for i in ids) + (", ..." if count > len(ids) else "")
        problems.append(
            f"{count:,} payment(s) have a reporting amount that disagrees with a recount "
            f"at the stored rates (payment {shown}); `crm db repair` recomputes them."
        )
    return problems


def unpriced_flags(conn: Connection) -> list[str]:
    """One line per currency whose paid payments have no rate for their day."""
    quote = reporting.currency(conn)
    problems: list[str] = []
    for gap in unpriced(conn):
        first = gap.first_day.isoformat() if gap.first_day else "?"
        last = gap.last_day.isoformat() if gap.last_day else "?"
        problems.append(
            f"{gap.payments:,} paid payment(s) in {gap.currency} ({gap.currency} "
            f"{gap.amount:,.2f}, {first} to {last}) have no rate into {quote} and are left "
            f"out of every figure; `crm rates set {gap.currency} RATE --from {first}` adds one."
        )
    for code, count, first in unpriced_invoices(conn, quote):
        problems.append(
            f"{count:,} open invoice(s) in {code} (issued from {first}) have no rate into "
            f"{quote} and are left out of outstanding balances; "
            f"`crm rates set {code} RATE --from {first}` adds one."
        )
    return problems


def unpriced_invoices(conn: Connection, quote: str) -> list[tuple[str, int, str]]:
    """(currency, open invoices, first issue date) of open invoices with no rate at issue."""
    rows = conn.execute(
        select(col(Invoice.currency), func.count(), func.min(col(Invoice.issue_date)))
        .where(summary.open_invoice(), summary.owed_in_reporting(quote).is_(None))
        .group_by(col(Invoice.currency))
        .order_by(col(Invoice.currency))
    )
    return [(str(code), int(count), str(first)) for code, count, first in rows]
