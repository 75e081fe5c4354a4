"""The rate between two currencies on a day, through the reporting currency.

Rates are stored into the reporting currency only, so one unit of A is worth
rate(A) / rate(B) units of B on a day (the reporting currency's own rate is
1), each the rate in force that day (convert.rate_on), rounded half away from
zero to eight places: the rate a cross-currency allocation records and uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_tui.models.types import CENT, RATE_PLACES
from crm_tui.services.money import convert, reporting

ONE = Decimal(1)
RATE_LIMIT = Decimal(10) ** 10  # NUMERIC(18,8) holds less than this


@dataclass(frozen=True)
class Crossing:
    """One unit of `currency` in `target` on `day`, or which rates into `quote` are missing."""

    currency: str
    target: str
    day: date
    quote: str
    rate: Decimal | None
    missing: tuple[str, ...]

    def why_not(self) -> str:
        """What is missing, as the start of a sentence ("No EUR rate into GBP on ...")."""
        codes = " or ".join(self.missing)
        return f"No {codes} rate into {self.quote} on {self.day.isoformat()}"

    def how_to_add(self) -> str:
        """The command that adds the first missing rate."""
        return f"`crm rates set {self.missing[0]} RATE --from {self.day.isoformat()}`"


def crossing(session: Session, currency: str, target: str, day: date) -> Crossing:
    """The rate of `currency` into `target` on `day` (one query), or what is missing."""
    quote = reporting.currency(session)
    needed = sorted({c for c in (currency, target) if c != quote})
    found: dict[str, Decimal | None] = {}
    if needed:
        row = session.execute(
            select(*(convert.rate_on(code, quote, day).label(code) for code in needed))
        ).one()
        found = dict(zip(needed, row, strict=True))
    missing = tuple(code for code in needed if found[code] is None)
    rate: Decimal | None = None
    if not missing:
        base = found.get(currency) or ONE
        into = found.get(target) or ONE
        rate = (base / into).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        if not 0 < rate < RATE_LIMIT:  # pragma: no cover (rates far past any real one)
            rate, missing = None, tuple(needed)
    return Crossing(currency, target, day, quote, rate, missing)


def at_rate(amount: Decimal, rate: Decimal) -> Decimal:
    """`amount` x `rate` to the cent, half away from zero (convert's rounding)."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def back_at_rate(amount: Decimal, rate: Decimal) -> Decimal:
    """The amount that `rate` turns into `amount`, to the cent, half away from zero."""
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)
