"""Amounts in the reporting currency, as SQL: one formula for one row and for millions.

A rate applies from its `valid_from` day until the next rate of the same
currency into the same reporting currency. A payment (or order) is converted
at the rate of its UTC day, an invoice at the rate of its issue date, a
subscription's monthly amount at the newest rate (rates never start after
today, so that is today's). An amount already in the reporting currency is
itself; an amount with no rate for its day is NULL, so no sum ever adds it
as if it were in the reporting currency.

Rounding is half away from zero to the cent, exactly, on both engines:
PostgreSQL multiplies NUMERICs; SQLite multiplies integer cents by integer
hundred-millionths (see models.types.Rate) and divides with rounding.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    bindparam,
    case,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col

from crm_tui.models import ExchangeRate
from crm_tui.models.types import RATE_SCALE, Money, Rate


class _Converted(FunctionElement[Decimal]):
    """amount x rate rounded to the cent (both already in their column types)."""

    type = Money()
    inherit_cache = True
    name = "converted"


@compiles(_Converted, "postgresql")
def _converted_pg(element: _Converted, compiler: SQLCompiler, **kw: Any) -> str:
    amount, rate = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND(({amount}) * ({rate}), 2)"


@compiles(_Converted, "sqlite")
def _converted_sqlite(element: _Converted, compiler: SQLCompiler, **kw: Any) -> str:
    amount, rate = (compiler.process(c, **kw) for c in element.clauses)
    half = RATE_SCALE // 2
    # Integer cents x integer 10^-8 units, divided back with rounding; the CAST
    # keeps an integer even if a product past 2^63 made SQLite go to REAL.
    return (
        f"CAST(CASE WHEN ({amount}) >= 0 "
        f"THEN (({amount}) * ({rate}) + {half}) / {RATE_SCALE} "
        f"ELSE -((-({amount}) * ({rate}) + {half}) / {RATE_SCALE}) END AS INTEGER)"
    )


class utc_day(FunctionElement[Any]):  # noqa: N801  (reads as the SQL function it is)
    """The UTC calendar day of a stored UTC time."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day, "postgresql")
def _utc_day_pg(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


def scaled(amount: Any, factor: Decimal) -> ColumnElement[Decimal]:
    """`amount` x a fixed `factor` (up to eight places), rounded half away from zero to the
    cent: the same rounding as a conversion (a tax of 20% is a factor of 0.2)."""
    return _Converted(amount, bindparam("factor", factor, type_=Rate()))


def rate_on(currency: Any, quote: str, day: Any | None) -> ColumnElement[Decimal]:
    """The rate of `currency` into `quote` on `day` (the newest when day is None), or NULL."""
    query = select(col(ExchangeRate.rate)).where(
        col(ExchangeRate.currency) == currency, col(ExchangeRate.quote) == quote
    )
    if day is not None:
        query = query.where(col(ExchangeRate.valid_from) <= day)
    return query.order_by(col(ExchangeRate.valid_from).desc()).limit(1).scalar_subquery()


def in_reporting(amount: Any, currency: Any, quote: str, day: Any | None) -> ColumnElement[Decimal]:
    """`amount` in `quote` at the rate of `day` (None: the newest); itself in `quote`; NULL with no rate."""
    converted = _Converted(amount, type_coerce(rate_on(currency, quote, day), Rate()))
    return type_coerce(
        case((currency == quote, amount), else_=converted),
        Money(),
    )


def one_amount(amount: Decimal, currency: str, quote: str, day: Any) -> ColumnElement[Decimal]:
    """The same formula over bound values (a payment about to be written)."""
    return in_reporting(
        bindparam("amount", amount, type_=Money()),
        literal(currency),
        quote,
        bindparam("day", day, type_=Date()),
    )
