"""What the dashboard panels show: plain values, safe to hand to the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


def rate(part: int, whole: int) -> float:
    """A percentage, 0 when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True)
class CustomerTrend:
    """Customers and active customers at each month's end."""

    months: tuple[date, ...]
    customers: tuple[int, ...]
    active: tuple[int, ...]


@dataclass(frozen=True)
class MonthlyCounts:
    months: tuple[date, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Bucket:
    label: str
    low: Decimal | None  # inclusive; None: exactly zero
    high: Decimal | None  # exclusive; None: no upper bound
    count: int
    currency: str = "GBP"  # the reporting currency the edges are in


@dataclass(frozen=True)
class RateSeries:
    """A monthly rate with its parts, plus the same figure over the last 30 days."""

    months: tuple[date, ...]
    part: tuple[int, ...]  # failures, or customers lost
    whole: tuple[int, ...]  # settled attempts, or customers at the month's start
    recent_part: int = 0
    recent_whole: int = 0

    @property
    def rates(self) -> tuple[float, ...]:
        return tuple(rate(p, w) for p, w in zip(self.part, self.whole, strict=True))

    @property
    def recent_rate(self) -> float:
        return rate(self.recent_part, self.recent_whole)


@dataclass(frozen=True)
class IncomeSeries:
    """Monthly recurring income at each month's end: in the reporting currency, and per currency.

    `reporting` converts each month's running subscriptions at the rate of
    that month's last day; `unpriced` names currencies with running
    subscriptions at the last month's end and no rate, left out of `reporting`.
    """

    months: tuple[date, ...]
    by_currency: dict[str, tuple[Decimal, ...]]
    currency: str = "GBP"
    reporting: tuple[Decimal, ...] = ()
    unpriced: tuple[str, ...] = ()

    @property
    def main_currency(self) -> str | None:
        if not self.by_currency:
            return None
        return max(self.by_currency, key=lambda c: (self.by_currency[c][-1], c))


@dataclass(frozen=True)
class SegmentSize:
    segment_id: int
    name: str
    kind: str
    count: int


@dataclass(frozen=True)
class FollowUp:
    note_id: int
    customer_id: int
    number: str
    customer: str
    title: str
    due: date
    type: str


@dataclass(frozen=True)
class FollowUps:
    total: int
    overdue: int
    rows: tuple[FollowUp, ...]


@dataclass(frozen=True)
class EndingContract:
    subscription_id: int
    customer_id: int
    number: str
    customer: str
    product: str
    variant: str | None
    contract_end: date
    monthly_amount: Decimal
    currency: str


@dataclass(frozen=True)
class EndingContracts:
    total: int
    rows: tuple[EndingContract, ...]
