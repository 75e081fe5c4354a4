"""How each dashboard figure is shown: a headline, a plotext chart and the same numbers as a table.

One `FigureView` per panel of `services.dashboard.PANELS`. The views only
read the frozen dataclasses the dashboard service returns; they never query.
Every stored text (names, titles) goes into tables as `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual_plotext.plot import Plot

from crm_tui.services.dashboard import (
    Bucket,
    CustomerTrend,
    EndingContracts,
    FollowUps,
    IncomeSeries,
    MonthlyCounts,
    RateSeries,
    SegmentSize,
)
from crm_tui.wording import counted

Cell = str | Text
Table = tuple[list[str], list[list[Cell]], list[int | None]]  # columns, rows, row keys


def month_label(day: date) -> str:
    return day.strftime("%b")


def month_long(day: date) -> str:
    return day.strftime("%b %Y")


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def num(value: int) -> Text:
    return Text(f"{value:,}", justify="right")


def pct(value: float) -> Text:
    return Text(f"{value:.1f}%", justify="right")


def _xs(months: Sequence[date]) -> list[float]:
    return [float(i) for i in range(len(months))]


def _ticks(plt: Plot, months: Sequence[date]) -> None:
    """Month names under a line chart (after plotting: plotting resets the ticks)."""
    xs = _xs(months)
    # Every other label when there are many months, so they never collide.
    step = 1 if len(months) <= 6 else 2
    plt.xticks(xs[::step], [month_label(m) for m in months][::step])


@dataclass(frozen=True)
class FigureView:
    """What a panel needs to show one figure."""

    title: str
    headline: Callable[[Any], str]
    table: Callable[[Any], Table]
    draw: Callable[[Plot, Any], None] | None = None  # None: a work list, table only


# --- customers ----------------------------------------------------------------------


def _trend_headline(data: CustomerTrend) -> str:
    if not data.customers:
        return ""
    return f"{data.customers[-1]:,} customers, {data.active[-1]:,} active"


def _trend_draw(plt: Plot, data: CustomerTrend) -> None:
    xs = _xs(data.months)
    plt.plot(xs, list(data.customers), label="customers", marker="braille")
    plt.plot(xs, list(data.active), label="active", marker="braille")
    _ticks(plt, data.months)


def _trend_table(data: CustomerTrend) -> Table:
    rows: list[list[Cell]] = [
        [month_long(m), num(c), num(a)]
        for m, c, a in zip(data.months, data.customers, data.active, strict=True)
    ]
    return ["Month", "Customers", "Active"], rows, [None] * len(rows)


def _new_headline(data: MonthlyCounts) -> str:
    return (
        f"{data.counts[-1]:,} this month, {data.total:,} in {len(data.counts)} months"
        if data.counts
        else ""
    )


def _new_draw(plt: Plot, data: MonthlyCounts) -> None:
    plt.bar([month_label(m) for m in data.months], list(data.counts), width=0.6)


def _new_table(data: MonthlyCounts) -> Table:
    rows: list[list[Cell]] = [
        [month_long(m), num(c)] for m, c in zip(data.months, data.counts, strict=True)
    ]
    return ["Month", "New customers"], rows, [None] * len(rows)


# --- money -------------------------------------------------------------------------


def _income_headline(data: IncomeSeries) -> str:
    """'GBP 8,393.33 a month: GBP 4,396.57 · EUR 3,013.09 · USD 983.67' (and what has no rate)."""
    if not data.by_currency:
        return "no running subscriptions"
    parts = [
        f"{c} {money(v[-1])}" for c, v in sorted(data.by_currency.items(), key=lambda i: -i[1][-1])
    ]
    total = f"{data.currency} {money(data.reporting[-1])} a month" if data.reporting else ""
    missing = f"; no rate for {', '.join(data.unpriced)}" if data.unpriced else ""
    return f"{total}: " + " · ".join(parts[:3]) + missing


def _income_draw(plt: Plot, data: IncomeSeries) -> None:
    """One line: every currency converted into the reporting one (never plain numbers added)."""
    xs = _xs(data.months)
    plt.plot(xs, [float(v) for v in data.reporting], label=f"in {data.currency}", marker="braille")
    _ticks(plt, data.months)


def _income_table(data: IncomeSeries) -> Table:
    currencies = sorted(data.by_currency)
    rows: list[list[Cell]] = [
        [
            month_long(m),
            Text(money(data.reporting[i]), justify="right", style="bold"),
            *[Text(money(data.by_currency[c][i]), justify="right") for c in currencies],
        ]
        for i, m in enumerate(data.months)
    ]
    return ["Month", f"All in {data.currency}", *currencies], rows, [None] * len(rows)


def _rate_headline(label: str) -> Callable[[RateSeries], str]:
    def headline(data: RateSeries) -> str:
        if label == "failures":
            return f"{data.recent_rate:.1f}% in the last 30 days ({data.recent_part:,} of {data.recent_whole:,})"
        if not data.rates:
            return ""
        return f"{data.rates[-1]:.1f}% this month ({data.part[-1]:,} of {data.whole[-1]:,})"

    return headline


def _rate_draw(plt: Plot, data: RateSeries) -> None:
    plt.bar([month_label(m) for m in data.months], list(data.rates), width=0.6)


def _rate_table(part: str, whole: str) -> Callable[[RateSeries], Table]:
    def table(data: RateSeries) -> Table:
        rows: list[list[Cell]] = [
            [month_long(m), num(p), num(w), pct(r)]
            for m, p, w, r in zip(data.months, data.part, data.whole, data.rates, strict=True)
        ]
        return ["Month", part, whole, "Rate"], rows, [None] * len(rows)

    return table


def _ltv_headline(data: Sequence[Bucket]) -> str:
    if not data:
        return ""
    largest = max(data, key=lambda b: b.count)
    code = data[0].currency
    return f"in {code}: most customers ({largest.count:,}) in {largest.label}; {data[-1].count:,} at {data[-1].label}"


def _ltv_draw(plt: Plot, data: Sequence[Bucket]) -> None:
    plt.bar([b.label for b in data], [b.count for b in data], width=0.6)


def _ltv_table(data: Sequence[Bucket]) -> Table:
    total = sum(b.count for b in data) or 1
    rows: list[list[Cell]] = [[b.label, num(b.count), pct(100.0 * b.count / total)] for b in data]
    code = data[0].currency if data else ""
    return [f"Lifetime value {code}".strip(), "Customers", "Share"], rows, [None] * len(rows)


# --- segments and work lists ---------------------------------------------------------


def _segments_headline(data: Sequence[SegmentSize]) -> str:
    return counted(len(data), "segment") if data else "no segments yet"


def _segments_draw(plt: Plot, data: Sequence[SegmentSize]) -> None:
    if not data:
        return
    # Biggest at the top (plotext draws the first bar at the bottom); each label carries its count.
    biggest = sorted(data, key=lambda s: -s.count)[:8][::-1]
    labels = [f"{_clip(s.name, 12)} {s.count:,}" for s in biggest]
    plt.bar(labels, [s.count for s in biggest], orientation="horizontal", width=0.3)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _segments_table(data: Sequence[SegmentSize]) -> Table:
    rows: list[list[Cell]] = [
        [Text(s.name), "rules" if s.kind == "dynamic" else "picked", num(s.count)] for s in data
    ]
    return ["Segment", "Kind", "Customers"], rows, [None] * len(rows)


def _follow_headline(data: FollowUps) -> str:
    return f"{data.total:,} due, {data.overdue:,} overdue"


def _follow_table(data: FollowUps) -> Table:
    rows: list[list[Cell]] = [
        [r.due.isoformat(), Text(r.number), Text(r.customer), Text(r.title)] for r in data.rows
    ]
    return ["Due", "Number", "Customer", "Follow-up"], rows, [r.customer_id for r in data.rows]


def _ending_headline(data: EndingContracts) -> str:
    return f"{data.total:,} in the next 30 days"


def _ending_table(data: EndingContracts) -> Table:
    rows: list[list[Cell]] = [
        [
            r.contract_end.isoformat(),
            Text(r.number),
            Text(r.customer),
            Text(r.product + (f" {r.variant}" if r.variant else "")),
            Text(f"{r.currency} {money(r.monthly_amount)}", justify="right"),
        ]
        for r in data.rows
    ]
    return (
        ["Ends", "Number", "Customer", "Product", "Monthly"],
        rows,
        [r.customer_id for r in data.rows],
    )


VIEWS: dict[str, FigureView] = {
    "customers_over_time": FigureView(
        "Customers over time", _trend_headline, _trend_table, _trend_draw
    ),
    "new_customers": FigureView("New customers per month", _new_headline, _new_table, _new_draw),
    "recurring_income": FigureView(
        "Monthly recurring income", _income_headline, _income_table, _income_draw
    ),
    "ltv_distribution": FigureView("Lifetime value", _ltv_headline, _ltv_table, _ltv_draw),
    "payment_failures": FigureView(
        "Payment failure rate",
        _rate_headline("failures"),
        _rate_table("Failed", "Settled"),
        _rate_draw,
    ),
    "churn": FigureView(
        "Churn rate", _rate_headline("churn"), _rate_table("Lost", "Active at start"), _rate_draw
    ),
    "segment_sizes": FigureView(
        "Segment sizes", _segments_headline, _segments_table, _segments_draw
    ),
    "follow_ups": FigureView("Follow-ups due or overdue", _follow_headline, _follow_table),
    "contracts_ending": FigureView("Contracts ending soon", _ending_headline, _ending_table),
}
