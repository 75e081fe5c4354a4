"""Dashboard figures, each from one or two aggregate queries in the database.

Every function takes `as_of` (a day) so the figures are reproducible: the
window is the `months` calendar months ending with as_of's month, and the
last month is cut at as_of. Definitions, so the numbers can be checked by hand:

- customers at a month's end: created by then (merged customers never count);
  new customers: created during the month.
- an *active* customer at a day has a running subscription then: started on
  or before the day and either still active, or ended with a contract end
  after the day. (There is no status history, so the subscription dates are
  the record of who was a paying customer when.)
- churn in a month: customers active at the end of the previous month who
  are not active at its end, over those active at the end of the previous month.
- payment failure rate: failed payments over settled attempts (paid, failed
  or refunded) dated in the period; pending ones are not settled yet.
- monthly recurring income at a day: the monthly amounts of the subscriptions
  running then, per currency (amounts in different currencies are never added).
- lifetime value buckets: from the per-customer summary (current figures).
- follow-ups due: open notes with a follow-up date on or before as_of.
- contracts ending: active subscriptions whose contract ends within `days`
  days from as_of (inclusive).

Each month or bucket is a conditional aggregate (`COUNT(CASE ...)`) in a
single scan, so a chart costs one pass over an index or table, not one
query per point.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Customer,
    CustomerSummary,
    Note,
    Payment,
    Segment,
    Subscription,
    format_number,
)
from crm_tui.models.enums import CustomerStatus, PaymentStatus, SubscriptionStatus
from crm_tui.models.types import Money, UTCDateTime
from crm_tui.services.common import display_name, start_of
from crm_tui.services.context import ServiceContext
from crm_tui.services.segments.service import count_members

ZERO = Decimal("0.00")
LTV_EDGES = (Decimal("100"), Decimal("500"), Decimal("1000"), Decimal("5000"))
SETTLED = (PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.REFUNDED)


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


def _trend_days(as_of: date, months: int) -> list[date]:
    """The end of the month before the window, then each month's end (as_of last)."""
    first = month_starts(as_of, months)[0]
    return [first - timedelta(days=1), *month_ends(as_of, months)]


class _Flight:
    """One computation other threads can wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


_FLIGHTS: dict[tuple[object, ...], _Flight] = {}
_FLIGHTS_LOCK = threading.Lock()


def shared(key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
    """Run `compute` once for callers that ask for the same key at the same time.

    The dashboard starts every panel at once; "customers over time" and
    "churn" need the same scan of subscriptions, so the second waits for
    the first instead of repeating it. Nothing is kept once the computation
    is over, so a later call always sees fresh data.
    """
    with _FLIGHTS_LOCK:
        flight = _FLIGHTS.get(key)
        owner = flight is None
        if flight is None:
            flight = _FLIGHTS[key] = _Flight()
    if not owner:
        flight.done.wait()
        if flight.error is not None:
            raise flight.error
        return flight.value
    try:
        flight.value = compute()
    except BaseException as exc:
        flight.error = exc
        raise
    finally:
        with _FLIGHTS_LOCK:
            _FLIGHTS.pop(key, None)
        flight.done.set()
    return flight.value


def _rate(part: int, whole: int) -> float:
    """A percentage, 0 when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def _money(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# --- results ------------------------------------------------------------------


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
        return tuple(_rate(p, w) for p, w in zip(self.part, self.whole, strict=True))

    @property
    def recent_rate(self) -> float:
        return _rate(self.recent_part, self.recent_whole)


@dataclass(frozen=True)
class IncomeSeries:
    """Monthly recurring income at each month's end, one series per currency."""

    months: tuple[date, ...]
    by_currency: dict[str, tuple[Decimal, ...]]

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


# --- the service ----------------------------------------------------------------


def _running(day: date) -> ColumnElement[bool]:
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


def _may_run(first: date, last: date) -> ColumnElement[bool]:
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


class DashboardService:
    """One method per dashboard panel; each opens its own short read."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # customers -------------------------------------------------------------------

    def _created_counts(
        self, session: Session, as_of: date, months: int
    ) -> tuple[list[date], int, list[int]]:
        """(month starts, customers before the window, new per month), merged excluded.

        One range count per month on the created_at index (a few thousand
        index entries each) beats one CASE per month over every customer.
        """
        starts = month_starts(as_of, months)
        bounds = [start_of(s) for s in starts] + [start_of(as_of + timedelta(days=1))]
        created = col(Customer.created_at)

        def counts(*extra: ColumnElement[bool]) -> list[int]:
            ranges = [created < bounds[0]] + [
                and_(created >= bounds[i], created < bounds[i + 1]) for i in range(months)
            ]
            row = session.execute(
                select(
                    *[
                        select(func.count())
                        .select_from(Customer)
                        .where(condition, *extra)
                        .scalar_subquery()
                        for condition in ranges
                    ]
                )
            ).one()
            return [int(v or 0) for v in row]

        everyone = counts()
        # Merged customers are few and indexed by status: count them apart and take them off.
        merged = counts(col(Customer.status) == CustomerStatus.MERGED)
        net = [a - b for a, b in zip(everyone, merged, strict=True)]
        return starts, net[0], net[1:]

    def _active_flags(self, session: Session, days: list[date]) -> tuple[list[int], list[int]]:
        """Customers active on each day, and those active on day i-1 but not on day i."""
        key = ("active", str(self.ctx.db.engine.url), tuple(days))
        active, lost = shared(key, lambda: self._count_active(session, days))
        return list(active), list(lost)

    @staticmethod
    def _count_active(session: Session, days: list[date]) -> tuple[list[int], list[int]]:
        # Each subscription's running span [start, end) is worked out once per row;
        # the per-day tests are then two comparisons each.
        status = col(Subscription.status)
        span = (
            select(
                col(Subscription.customer_id).label("customer_id"),
                col(Subscription.start_date).label("s"),
                case(
                    (status == SubscriptionStatus.ACTIVE, literal(date.max, Date)),
                    (status == SubscriptionStatus.ENDED, col(Subscription.contract_end)),
                    else_=literal(date.min, Date),
                ).label("e"),
            )
            .where(_may_run(days[0], days[-1]))
            .subquery()
        )
        flags = [
            func.max(case((and_(span.c.s <= day, span.c.e > day), 1), else_=0)).label(f"a{i}")
            for i, day in enumerate(days)
        ]
        per_customer = select(span.c.customer_id, *flags).group_by(span.c.customer_id).subquery()
        a = [per_customer.c[f"a{i}"] for i in range(len(days))]
        row = session.execute(
            select(
                *[func.coalesce(func.sum(flag), 0) for flag in a],
                *[
                    func.count(case((and_(a[i - 1] == 1, a[i] == 0), 1)))
                    for i in range(1, len(days))
                ],
            )
        ).one()
        values = [int(v or 0) for v in row]
        return values[: len(days)], values[len(days) :]

    def customers_over_time(self, *, as_of: date, months: int = 12) -> CustomerTrend:
        with self.ctx.read() as session:
            starts, before, new = self._created_counts(session, as_of, months)
            active, _lost = self._active_flags(session, _trend_days(as_of, months))
        active = active[1:]
        totals: list[int] = []
        running = before
        for count in new:
            running += count
            totals.append(running)
        return CustomerTrend(tuple(starts), tuple(totals), tuple(active))

    def new_customers(self, *, as_of: date, months: int = 12) -> MonthlyCounts:
        with self.ctx.read() as session:
            starts, _before, new = self._created_counts(session, as_of, months)
        return MonthlyCounts(tuple(starts), tuple(new))

    def churn(self, *, as_of: date, months: int = 12) -> RateSeries:
        """Share of active customers lost each month."""
        starts = month_starts(as_of, months)
        with self.ctx.read() as session:
            active, lost = self._active_flags(session, _trend_days(as_of, months))
        return RateSeries(tuple(starts), tuple(lost), tuple(active[:-1]))

    def ltv_distribution(self, *, as_of: date) -> tuple[Bucket, ...]:
        """Customers per lifetime-value band (the summary is current, whatever as_of)."""
        del as_of  # the summary holds today's figures; kept for a uniform signature
        ltv = col(CustomerSummary.lifetime_value)
        edges: list[Decimal] = list(LTV_EDGES)
        specs: list[tuple[str, Decimal | None, Decimal | None, ColumnElement[bool]]] = [
            ("none", None, None, ltv == ZERO),
            (f"< {_short(edges[0])}", ZERO, edges[0], and_(ltv > ZERO, ltv < edges[0])),
        ]
        for low, high in zip(edges, edges[1:], strict=False):
            specs.append((f"{_short(low)}-{_short(high)}", low, high, and_(ltv >= low, ltv < high)))
        specs.append((f"{_short(edges[-1])}+", edges[-1], None, ltv >= edges[-1]))
        columns = [func.count(case((cond, 1))) for *_rest, cond in specs]
        with self.ctx.read() as session:
            everyone = session.execute(select(*columns)).one()
            merged = session.execute(
                select(*columns)
                .join(Customer, col(Customer.id) == col(CustomerSummary.customer_id))
                .where(col(Customer.status) == CustomerStatus.MERGED)
            ).one()
        return tuple(
            Bucket(label, low, high, int(a or 0) - int(b or 0))
            for (label, low, high, _cond), a, b in zip(specs, everyone, merged, strict=True)
        )

    # money -------------------------------------------------------------------------

    def payment_failures(self, *, as_of: date, months: int = 12) -> RateSeries:
        starts = month_starts(as_of, months)
        bounds = [start_of(s) for s in starts] + [start_of(as_of + timedelta(days=1))]
        recent = start_of(as_of - timedelta(days=30))
        with self.ctx.read() as session:
            if _has_index(session, "payment", ("status", "paid_at")):
                part, whole, recent_part, recent_whole = _failures_by_index(session, bounds, recent)
            else:
                part, whole, recent_part, recent_whole = _failures_by_scan(
                    session, starts, bounds, recent
                )
        return RateSeries(
            months=tuple(starts),
            part=tuple(part),
            whole=tuple(whole),
            recent_part=recent_part,
            recent_whole=recent_whole,
        )

    def recurring_income(self, *, as_of: date, months: int = 12) -> IncomeSeries:
        starts = month_starts(as_of, months)
        days = month_ends(as_of, months)
        amount = col(Subscription.monthly_amount)
        columns = [
            type_coerce(func.coalesce(func.sum(case((_running(day), amount))), 0), Money)
            for day in days
        ]
        with self.ctx.read() as session:
            rows = session.execute(
                select(col(Subscription.currency), *columns)
                .where(_may_run(days[0], days[-1]))
                .group_by(col(Subscription.currency))
                .order_by(col(Subscription.currency))
            ).all()
        series = {str(r[0]): tuple(_money(v) for v in r[1:]) for r in rows}
        return IncomeSeries(tuple(starts), {c: v for c, v in series.items() if any(v)})

    # segments --------------------------------------------------------------------------

    def segment_sizes(self, *, as_of: date) -> tuple[SegmentSize, ...]:
        with self.ctx.read() as session:
            segments = session.execute(
                select(col(Segment.id), col(Segment.name), col(Segment.kind)).order_by(
                    func.lower(col(Segment.name))
                )
            ).all()
            return tuple(
                SegmentSize(sid, name, kind, count_members(session, sid, today=as_of))
                for sid, name, kind in segments
                if sid is not None
            )

    # work lists --------------------------------------------------------------------------

    def follow_ups(self, *, as_of: date, limit: int = 50) -> FollowUps:
        """Open follow-ups due on or before as_of, oldest first."""
        due = and_(col(Note.follow_up_on) <= as_of, col(Note.done).is_(False))
        with self.ctx.read() as session:
            counts = session.execute(
                select(func.count(), func.count(case((col(Note.follow_up_on) < as_of, 1)))).where(
                    due
                )
            ).one()
            rows = session.execute(
                select(
                    col(Note.id),
                    col(Note.customer_id),
                    *_name_columns(),
                    col(Note.title),
                    col(Note.follow_up_on),
                    col(Note.type),
                )
                .join(Customer, col(Customer.id) == col(Note.customer_id))
                .where(due)
                .order_by(col(Note.follow_up_on), col(Note.id))
                .limit(limit)
            ).all()
        return FollowUps(
            total=int(counts[0] or 0),
            overdue=int(counts[1] or 0),
            rows=tuple(
                FollowUp(
                    note_id=r[0],
                    customer_id=r[1],
                    number=format_number(r[1]),
                    customer=display_name(r[2], r[3], r[4], r[5]),
                    title=r[6],
                    due=r[7],
                    type=r[8],
                )
                for r in rows
            ),
        )

    def contracts_ending(self, *, as_of: date, days: int = 30, limit: int = 50) -> EndingContracts:
        """Active subscriptions whose contract ends in the next `days` days."""
        ending = and_(
            col(Subscription.status) == SubscriptionStatus.ACTIVE,
            col(Subscription.contract_end) >= as_of,
            col(Subscription.contract_end) <= as_of + timedelta(days=days),
        )
        with self.ctx.read() as session:
            total = session.scalar(select(func.count()).select_from(Subscription).where(ending))
            rows = session.execute(
                select(
                    col(Subscription.id),
                    col(Subscription.customer_id),
                    *_name_columns(),
                    col(Subscription.product),
                    col(Subscription.variant),
                    col(Subscription.contract_end),
                    col(Subscription.monthly_amount),
                    col(Subscription.currency),
                )
                .join(Customer, col(Customer.id) == col(Subscription.customer_id))
                .where(ending)
                .order_by(col(Subscription.contract_end), col(Subscription.id))
                .limit(limit)
            ).all()
        return EndingContracts(
            total=int(total or 0),
            rows=tuple(
                EndingContract(
                    subscription_id=r[0],
                    customer_id=r[1],
                    number=format_number(r[1]),
                    customer=display_name(r[2], r[3], r[4], r[5]),
                    product=r[6],
                    variant=r[7],
                    contract_end=r[8],
                    monthly_amount=_money(r[9]),
                    currency=r[10],
                )
                for r in rows
            ),
        )

    def panels(self) -> builtins.list[str]:
        """The panel names, in the order the dashboard shows them."""
        return list(PANELS)


PANELS = (
    "customers_over_time",
    "new_customers",
    "recurring_income",
    "ltv_distribution",
    "payment_failures",
    "churn",
    "segment_sizes",
    "follow_ups",
    "contracts_ending",
)


def load_panel(service: DashboardService, name: str, *, as_of: date) -> Any:
    """Call the panel's figure function by name (for the screen and the benchmark)."""
    if name not in PANELS:
        raise KeyError(name)
    return getattr(service, name)(as_of=as_of)


_INDEXES: dict[tuple[str, str], list[tuple[str, ...]]] = {}


def _has_index(session: Session, table: str, leading: tuple[str, ...]) -> bool:
    """Whether some index on `table` starts with these columns (looked up once per database)."""
    bind = session.get_bind()
    key = (str(bind.engine.url), table)
    if key not in _INDEXES:
        found = inspect(session.connection()).get_indexes(table)
        _INDEXES[key] = [tuple(str(c) for c in ix["column_names"] if c) for ix in found]
    return any(columns[: len(leading)] == leading for columns in _INDEXES[key])


FailureCounts = tuple[list[int], list[int], int, int]


def _failures_by_index(session: Session, bounds: list[datetime], recent: datetime) -> FailureCounts:
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


def _failures_by_scan(
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


def _name_columns() -> list[Any]:
    return [
        col(Customer.kind),
        col(Customer.first_name),
        col(Customer.last_name),
        col(Customer.company_name),
    ]


def _short(amount: Decimal) -> str:
    """1000 -> '1k', 500 -> '500'."""
    whole = int(amount)
    return f"{whole // 1000}k" if whole >= 1000 and whole % 1000 == 0 else str(whole)
