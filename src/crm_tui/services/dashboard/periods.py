"""The months a chart covers, and which subscriptions run on a day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from crm_tui.models import Subscription
from crm_tui.models.enums import SubscriptionStatus


def month_starts(as_of: date, months: int) -> list[date]:
    """First days of the `months` months ending with as_of's month, oldest first."""
    year, month = as_of.year, as_of.month
    out: list[date] = []
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_ends(as_of: date, months: int) -> list[date]:
    """Last day of each month in the window; the last one is as_of itself."""
    starts = month_starts(as_of, months)
    ends = [nxt - timedelta(days=1) for nxt in starts[1:]]
    return [*ends, as_of]


def trend_days(as_of: date, months: int) -> list[date]:
    """The end of the month before the window, then each month's end (as_of last)."""
    first = month_starts(as_of, months)[0]
    return [first - timedelta(days=1), *month_ends(as_of, months)]


def running(day: date) -> ColumnElement[bool]:
    """The subscription was running on `day`."""
    return and_(
        col(Subscription.start_date) <= day,
        or_(
            col(Subscription.status) == SubscriptionStatus.ACTIVE,
            and_(
                col(Subscription.status) == SubscriptionStatus.ENDED,
                col(Subscription.contract_end) > day,
            ),
        ),
    )


def may_run(first: date, last: date) -> ColumnElement[bool]:
    """Rows that can be running on some day in [first, last]: lets the scan skip the rest."""
    return and_(
        col(Subscription.start_date) <= last,
        or_(
            col(Subscription.status) == SubscriptionStatus.ACTIVE,
            and_(
                col(Subscription.status) == SubscriptionStatus.ENDED,
                col(Subscription.contract_end) > first,
            ),
        ),
    )
