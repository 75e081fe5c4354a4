"""Column types shared by the tables: exact money and timezone-aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from crm_tui.db.values import CENT as CENT
from crm_tui.db.values import money_from_db, utc_from_db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Money(TypeDecorator[Decimal]):
    """A Decimal amount with two places.

    PostgreSQL stores NUMERIC(14,2). SQLite has no decimal type (NUMERIC
    affinity silently becomes a binary float), so there the amount is kept as
    integer cents: sums stay exact and comparisons still work in SQL.
    """

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value).quantize(CENT)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return money_from_db(value, sqlite=dialect.name == "sqlite")


class MoneyTotal(Money):
    """A sum of amounts: NUMERIC(20,2) on PostgreSQL, integer cents on SQLite.

    One amount is below 10^12 (validation.MAX_AMOUNT) and one customer's
    figures stay below 10^15 (billing.summary.MAX_CUSTOMER_TOTAL), so the sum
    of any amounts the services accept fits with room to spare (NUMERIC(14,2)
    overflowed on the second largest payment).
    """

    impl = Numeric(20, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, 2, asdecimal=True))


RATE_PLACES = Decimal("0.00000001")
RATE_SCALE = 100_000_000  # SQLite keeps a rate as an integer count of 10^-8


class Rate(TypeDecorator[Decimal]):
    """An exchange rate with eight decimal places.

    PostgreSQL stores NUMERIC(18,8); SQLite keeps integer hundred-millionths,
    so a conversion there is integer arithmetic (exact) like Money's cents.
    """

    impl = Numeric(18, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 8, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        rate = Decimal(value).quantize(RATE_PLACES)
        if dialect.name == "sqlite":
            return int(rate * RATE_SCALE)
        return rate

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(str(value)) / RATE_SCALE).quantize(RATE_PLACES)
        return Decimal(value).quantize(RATE_PLACES)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns an aware datetime in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("expected a datetime")
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return utc_from_db(value)
