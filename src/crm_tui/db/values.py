"""Stored values as Python reads them: money as Decimal, times as aware UTC.

Standard library only. The column types in `crm_tui.models.types` call these,
and so does the lean read path of `crm lookup` / `crm show`, which reads rows
through the DB-API driver without SQLAlchemy: one rule for both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")


def money_from_db(value: Any, *, sqlite: bool) -> Decimal | None:
    """An amount as stored (SQLite: integer cents; PostgreSQL: NUMERIC) as a Decimal."""
    if value is None:
        return None
    if sqlite:
        # SUM/AVG over cents may come back as int or float.
        return (Decimal(str(value)) / 100).quantize(CENT)
    return Decimal(value).quantize(CENT)


def as_money(value: object) -> Decimal:
    """An aggregate read back as money: Decimal to the cent, 0 when empty."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(str(value or 0)).quantize(CENT)


def date_from_db(value: Any) -> date | None:
    """A stored date (SQLite: ISO text) as a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def utc_from_db(value: Any) -> datetime | None:
    """A stored time (SQLite: ISO text without a zone, meaning UTC) as an aware UTC datetime."""
    if value is None:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime):  # MAX() over SQLite text comes back as str
        raise TypeError(f"expected a datetime, got {type(when).__name__}")
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
