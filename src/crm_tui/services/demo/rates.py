"""Demo exchange rates, so demo figures in GBP, EUR and USD all count.

Two rates per currency (one from before the oldest demo row, one from a year
before `as_of`), so "the rate of its day" shows in the figures. Values are
GBP per unit, turned into rates into whatever the reporting currency is.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ExchangeRate
from crm_tui.models.types import RATE_PLACES

# (GBP per unit six years back, GBP per unit for the last year)
GBP_PER_UNIT = {
    "GBP": (Decimal("1"), Decimal("1")),
    "EUR": (Decimal("0.87"), Decimal("0.85")),
    "USD": (Decimal("0.76"), Decimal("0.79")),
}


def seed(session: Session, quote: str, as_of: date) -> None:
    """Add the demo rates into `quote` unless that currency already has any rate into it."""
    if quote not in GBP_PER_UNIT:
        return  # no demo rates into a currency the demo does not use
    have = set(
        session.scalars(select(col(ExchangeRate.currency)).where(col(ExchangeRate.quote) == quote))
    )
    days = (as_of - timedelta(days=6 * 366), as_of - timedelta(days=366))
    for code, values in GBP_PER_UNIT.items():
        if code == quote or code in have:
            continue
        for day, gbp, quote_gbp in zip(days, values, GBP_PER_UNIT[quote], strict=True):
            rate = (gbp / quote_gbp).quantize(RATE_PLACES)
            session.add(
                ExchangeRate(currency=code, quote=quote, valid_from=day, rate=rate, set_by="demo")
            )
    session.flush()
