"""What the search service takes and returns: filters, sort orders, rows, pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

SortKey = Literal[
    "relevance",
    "name",
    "lifetime_value",
    "active_subscriptions",
    "joined",
    "last_purchase",
    "outstanding",
    "days_overdue",
]
SORT_KEYS: tuple[SortKey, ...] = (
    "relevance",
    "name",
    "lifetime_value",
    "active_subscriptions",
    "joined",
    "last_purchase",
    "outstanding",
    "days_overdue",
)


@dataclass(frozen=True)
class SearchFilters:
    """What the list is narrowed to besides the query; None means any."""

    kind: str | None = None
    status: str | None = None
    segment: str | None = None
    tag: str | None = None
    billing_group_id: int | None = None
    has_active_subscription: bool | None = None
    ltv_min: Decimal | None = None
    ltv_max: Decimal | None = None
    owner: str | None = None
    segment_id: int | None = None
    # Owes on an issued invoice (any currency); has an invoice unpaid after its due date.
    outstanding: bool | None = None
    overdue: bool | None = None
    # Merged customers are shells pointing at their survivor; hidden unless asked for.
    include_merged: bool = False


@dataclass(frozen=True)
class SortSpec:
    """List order. `relevance` ranks best first (`descending` does not apply);
    with an empty query it lists by name."""

    key: SortKey = "relevance"
    descending: bool = False


@dataclass(frozen=True)
class CustomerRow:
    """One line of the customer list: plain values, safe after the session closes."""

    id: int
    number: str
    display_name: str
    kind: str
    status: str
    email: str | None
    phone: str | None
    company_name: str | None
    lifetime_value: Decimal
    active_subscriptions: int
    created_at: datetime
    last_purchase_at: datetime | None
    near_miss: bool = False
    outstanding_balance: Decimal = Decimal("0.00")
    oldest_due: date | None = None  # the earliest due date of an open invoice

    def days_overdue(self, today: date) -> int:
        """Days since the oldest open invoice fell due (0 when none is overdue)."""
        return max((today - self.oldest_due).days, 0) if self.oldest_due else 0


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts; hand back `Page.next` unchanged."""

    sort: SortKey
    descending: bool
    phase: int
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Page:
    """A window of rows and the cursor for the next one."""

    rows: tuple[CustomerRow, ...]
    next: Cursor | None
    has_more: bool

    @property
    def near_misses(self) -> bool:
        """True when the rows are typo-tolerant suggestions, not matches."""
        return bool(self.rows) and all(row.near_miss for row in self.rows)


@dataclass(frozen=True)
class Kpis:
    """Figures over everything the query and filters match."""

    customers: int
    returning_pct: Decimal  # customers with 2+ paid payments, % of customers
    average_spent: Decimal  # mean lifetime value of customers who paid anything
    average_lifetime_value: Decimal
    currency: str = "GBP"  # the reporting currency the averages are in
