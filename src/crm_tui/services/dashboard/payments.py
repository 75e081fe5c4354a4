"""Payment failure counts per month, by whichever plan the database's indexes favour."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, inspect, literal_column, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Payment
from crm_tui.models.enums import PaymentStatus
from crm_tui.models.types import UTCDateTime

SETTLED = (PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.REFUNDED)

_INDEXES: dict[tuple[str, str], list[tuple[str, ...]]] = {}


def has_index(session: Session, table: str, leading: tuple[str, ...]) -> bool:
    """Whether some index on `table` starts with these columns (looked up once per database)."""
    bind = session.get_bind()
    key = (str(bind.engine.url), table)
    if key not in _INDEXES:
        found = inspect(session.connection()).get_indexes(table)
        _INDEXES[key] = [tuple(str(c) for c in ix["column_names"] if c) for ix in found]
    return any(columns[: len(leading)] == leading for columns in _INDEXES[key])


FailureCounts = tuple[list[int], list[int], int, int]


def failure_counts(
    session: Session, starts: list[date], bounds: list[datetime], recent: datetime
) -> FailureCounts:
    """(failed per month, settled per month, failed lately, settled lately)."""
    if has_index(session, "payment", ("status", "paid_at")):
        return failures_by_index(session, bounds, recent)
    return failures_by_scan(session, starts, bounds, recent)


def failures_by_index(session: Session, bounds: list[datetime], recent: datetime) -> FailureCounts:
    """Range counts on an index over (status, paid_at): each touches only its own entries."""
    when = col(Payment.paid_at)
    status = col(Payment.status)

    def count(state: str, low: datetime, high: datetime) -> Any:
        return (
            select(func.count())
            .select_from(Payment)
            .where(status == state, when >= low, when < high)
            .scalar_subquery()
        )

    months = len(bounds) - 1
    columns = [
        count(state, bounds[i], bounds[i + 1]) for state in SETTLED for i in range(months)
    ] + [count(state, recent, bounds[-1]) for state in SETTLED]
    values = [int(v or 0) for v in session.execute(select(*columns)).one()]
    per_state = [values[k * months : (k + 1) * months] for k in range(len(SETTLED))]
    failed = per_state[SETTLED.index(PaymentStatus.FAILED)]
    whole = [sum(month) for month in zip(*per_state, strict=True)]
    recent_counts = values[len(SETTLED) * months :]
    return failed, whole, recent_counts[SETTLED.index(PaymentStatus.FAILED)], sum(recent_counts)


def failures_by_scan(
    session: Session, starts: list[date], bounds: list[datetime], recent: datetime
) -> FailureCounts:
    """One pass over the window's payments, grouped by month.

    SQLite would otherwise walk the paid_at index and fetch each of millions
    of rows for its status, one random read at a time; `+paid_at` keeps it
    on a straight scan of the table, several times faster for a year.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    when: Any = literal_column("+payment.paid_at", UTCDateTime) if sqlite else col(Payment.paid_at)
    month = (
        func.substr(when, 1, 7)
        if sqlite
        else func.to_char(func.timezone("UTC", col(Payment.paid_at)), "YYYY-MM")
    )
    failed = col(Payment.status) == PaymentStatus.FAILED
    rows = session.execute(
        select(
            month,
            func.count(),
            func.count(case((failed, 1))),
            func.count(case((when >= recent, 1))),
            func.count(case((and_(when >= recent, failed), 1))),
        )
        .where(when >= min(bounds[0], recent), when < bounds[-1], col(Payment.status).in_(SETTLED))
        .group_by(month)
    ).all()
    by_month = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
    keys = [f"{s.year:04d}-{s.month:02d}" for s in starts]
    whole = [by_month.get(k, (0, 0))[0] for k in keys]
    part = [by_month.get(k, (0, 0))[1] for k in keys]
    return part, whole, sum(int(r[4]) for r in rows), sum(int(r[3]) for r in rows)
