"""Gap-free invoice numbers: INV-2026-000123, one sequence per calendar year.

The counter row of the year is bumped by an upsert in the issuing
transaction. On PostgreSQL the row stays locked until that transaction ends,
so a second clerk issuing at once waits and takes the next number; on SQLite
every write transaction already holds the database's write lock. A rolled
back issue rolls its bump back too: no number is skipped and none is used
twice. Numbers also follow issue dates: a year's invoice is never dated
before the one issued just before it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, bindparam, literal, text
from sqlalchemy.orm import Session

from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.run_sql import zero_padded

PREFIX = "INV"

# The stored date becomes the later of the two, so a returned date after the
# one asked for means an earlier invoice of the year is dated later: refused
# (the caller's transaction rolls the bump back).
_BUMP = (
    text(
        "INSERT INTO invoice_counter (year, last_number, last_issue_date) "
        "VALUES (:year, :count, :day) "
        "ON CONFLICT (year) DO UPDATE SET "
        "last_number = invoice_counter.last_number + :count, "
        "last_issue_date = CASE WHEN invoice_counter.last_issue_date > :day "
        "THEN invoice_counter.last_issue_date ELSE :day END "
        "RETURNING last_number, last_issue_date"
    )
    .bindparams(
        bindparam("year", type_=Integer),
        bindparam("count", type_=Integer),
        bindparam("day", type_=Date),
    )
    .columns(last_number=Integer, last_issue_date=Date)
)


def format_invoice_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:06d}"


def invoice_number_sql(year: int, sequence: Any) -> ColumnElement[str]:
    """format_invoice_number in SQL, for numbers written by the database (billing run)."""
    return literal(f"{PREFIX}-{year}-") + zero_padded(sequence, 6)


def take_numbers(session: Session, issue_date: date, count: int = 1) -> list[tuple[int, int, str]]:
    """Reserve the next `count` numbers of `issue_date`'s year: (year, sequence, number) each."""
    year = issue_date.year
    row = session.execute(_BUMP, {"year": year, "count": count, "day": issue_date}).one()
    last_date: date = row.last_issue_date
    if last_date > issue_date:
        raise ValidationError(
            "issue_date",
            f"Invoice numbers follow their dates: an invoice of {year} was already issued on "
            f"{last_date.isoformat()}, so this one cannot be dated {issue_date.isoformat()}.",
        )
    top = int(row.last_number)
    return [(year, n, format_invoice_number(year, n)) for n in range(top - count + 1, top + 1)]
