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
  running then, per currency, and in the reporting currency: each currency's
  total at the rate of that day, rounded once (a currency with no rate then
  is named, never added as if it were the reporting currency).
- lifetime value buckets: from the per-customer summary (current figures,
  in the reporting currency).
- follow-ups due: open notes with a follow-up date on or before as_of.
- contracts ending: active subscriptions whose contract ends within `days`
  days from as_of (inclusive).

Active customers, churn and recurring income come from the day-by-day
tables the subscription triggers keep (crm_tui.db.dashboard_figures, read
by dashboard.snapshot): a few thousand rows, whatever the number of
subscriptions. The rest are conditional aggregates (`COUNT(CASE ...)`) in a
single scan of an index or table, not one query per point.
"""

from __future__ import annotations

import builtins
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    select,
)
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Customer,
    CustomerSummary,
    Segment,
)
from crm_tui.models.enums import CustomerStatus
from crm_tui.services.common import start_of
from crm_tui.services.context import ServiceContext
from crm_tui.services.dashboard import snapshot, worklists
from crm_tui.services.dashboard.figures import (
    Bucket,
    CustomerTrend,
    EndingContracts,
    FollowUps,
    IncomeSeries,
    MonthlyCounts,
    RateSeries,
    SegmentSize,
)
from crm_tui.services.dashboard.payments import failure_counts
from crm_tui.services.dashboard.periods import (
    month_ends,
    month_starts,
    trend_days,
)
from crm_tui.services.segments.membership import count_members

ZERO = Decimal("0.00")
LTV_EDGES = (Decimal("100"), Decimal("500"), Decimal("1000"), Decimal("5000"))


# --- the service ----------------------------------------------------------------


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

    @staticmethod
    def _active_and_lost(session: Session, days: list[date]) -> tuple[list[int], list[int]]:
        """Customers active on each day, and those active on day i-1 but not on day i."""
        return snapshot.active_on(session, days), snapshot.lost_between(session, days)

    def customers_over_time(self, *, as_of: date, months: int = 12) -> CustomerTrend:
        with self.ctx.read() as session:
            starts, before, new = self._created_counts(session, as_of, months)
            active = snapshot.active_on(session, trend_days(as_of, months))
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
            active, lost = self._active_and_lost(session, trend_days(as_of, months))
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
            Bucket(label, low, high, int(a or 0) - int(b or 0), self.ctx.reporting_currency)
            for (label, low, high, _cond), a, b in zip(specs, everyone, merged, strict=True)
        )

    # money -------------------------------------------------------------------------

    def payment_failures(self, *, as_of: date, months: int = 12) -> RateSeries:
        starts = month_starts(as_of, months)
        bounds = [start_of(s) for s in starts] + [start_of(as_of + timedelta(days=1))]
        recent = start_of(as_of - timedelta(days=30))
        with self.ctx.read() as session:
            part, whole, recent_part, recent_whole = failure_counts(session, starts, bounds, recent)
        return RateSeries(
            months=tuple(starts),
            part=tuple(part),
            whole=tuple(whole),
            recent_part=recent_part,
            recent_whole=recent_whole,
        )

    def recurring_income(self, *, as_of: date, months: int = 12) -> IncomeSeries:
        starts = month_starts(as_of, months)
        quote = self.ctx.reporting_currency
        with self.ctx.read() as session:
            series, reporting, unpriced = snapshot.income_on(
                session, month_ends(as_of, months), quote
            )
        return IncomeSeries(
            tuple(starts),
            {c: v for c, v in series.items() if any(v)},
            currency=quote,
            reporting=reporting,
            unpriced=unpriced,
        )

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
        with self.ctx.read() as session:
            return worklists.follow_ups(session, as_of=as_of, limit=limit)

    def contracts_ending(self, *, as_of: date, days: int = 30, limit: int = 50) -> EndingContracts:
        """Active subscriptions whose contract ends in the next `days` days."""
        with self.ctx.read() as session:
            return worklists.contracts_ending(session, as_of=as_of, days=days, limit=limit)

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


def _short(amount: Decimal) -> str:
    """1000 -> '1k', 500 -> '500'."""
    whole = int(amount)
    return f"{whole // 1000}k" if whole >= 1000 and whole % 1000 == 0 else str(whole)
