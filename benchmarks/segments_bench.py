"""Dynamic segment counts and dashboard panels at scale: median and p95 per measurement.

`run(db_url, customers=..., repeat=...)` opens (and migrates) the database at
`db_url`; when it holds fewer than `customers` customers, the real demo
generator (`DemoBuilder`, the code behind `crm demo`) tops it up, so the
money rows, notes and tags the dashboard reads are realistic. Data is dated
relative to `as_of`, and every figure is computed as of that day.

Measured:
- the live count of each example segment (`SegmentService.preview_count`,
  what the rule editor shows while typing): the issue's seeds plus a mixed
  any/all rule set;
- each dashboard panel's figure (`load_panel`), one call each, as the
  dashboard's per-panel workers make them;
- "dashboard, every panel": wall time until the last panel is filled when all
  nine run at once in threads (what the screen does), and the same in series;
- the dashboard screen in the app (headless): first paint, and every panel
  filled (benchmarks.dashboard_paint), over OPENINGS openings.

Example::

    python -c "from benchmarks.segments_bench import run; run('sqlite:////tmp/crm1m.sqlite3', customers=1_000_000)"
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.dashboard_paint import open_dashboard
from crm_tui.config import Settings
from crm_tui.models import Customer
from crm_tui.services.dashboard.service import PANELS, load_panel
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import Services, open_services

AS_OF = date(2026, 1, 15)
# Openings of the dashboard screen timed (after one that warms the caches): with 3, the
# "p95" was the slowest of three, one stray pause; with 20 it is the 19th of 20.
OPENINGS = 20


def _rules(match: str, *rules: tuple[str, str, object]) -> dict[str, Any]:
    return {"match": match, "rules": [{"field": f, "op": o, "value": v} for f, o, v in rules]}


SEGMENTS: dict[str, dict[str, Any]] = {
    "high value (ltv > 1000)": _rules("all", ("lifetime_value", "gt", "1000")),
    "at risk (failed payment 30d)": _rules("all", ("failed_payment", "within", "30")),
    "new (first subscription 30d)": _rules("all", ("first_subscription", "within", "30")),
    "loyal (2+ active subscriptions)": _rules("all", ("active_subscriptions", "gte", "2")),
    "business customers": _rules("all", ("kind", "eq", "business")),
    "mixed: active GB vip or ltv 500-1000": _rules(
        "any",
        ("tag", "eq", "vip"),
        ("lifetime_value", "between", "500..1000"),
    ),
    "all: active, GB, bought in 90d": _rules(
        "all",
        ("status", "eq", "active"),
        ("country", "eq", "GB"),
        ("last_purchase", "within_days", "90"),
    ),
}


@dataclass(frozen=True)
class Measure:
    """One row of the printed table."""

    name: str
    median_ms: float
    p95_ms: float
    result: str


def _time(call: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    call()  # warm-up: first touch of pages and plans
    samples: list[float] = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def _summary(name: str, samples: list[float], result: object) -> Measure:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Measure(name, statistics.median(ordered), p95, str(result)[:40])


def ensure_customers(services: Services, customers: int, *, seed: int = 11) -> int:
    """Top the database up to `customers` demo customers; returns how many it holds."""
    with services.ctx.read() as session:
        have = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
    if have < customers:
        DemoBuilder(services.ctx, seed=seed, as_of=AS_OF).run(customers - have)
        with services.ctx.db.engine.connect() as conn:
            # Planner statistics, as after any bulk load (ANALYZE is cheap next to the load).
            conn.execute(text("ANALYZE"))
            conn.commit()
        have = customers
    return have


def _panel_result(data: object) -> str:
    for attr in ("total", "customers", "counts", "rates"):
        value = getattr(data, attr, None)
        if value is not None:
            return f"{attr}={value if isinstance(value, int) else value[-1]}"
    if isinstance(data, tuple):
        return f"{len(data)} rows"
    return type(data).__name__


def run(
    db_url: str,
    *,
    customers: int = 100_000,
    repeat: int = 5,
    as_of: date = AS_OF,
) -> list[dict[str, Any]]:
    """Measure and print the table (main prints nothing more: the list is empty)."""
    services = open_services(Settings(database_url=db_url, clerk="bench", default_region="GB"))
    try:
        held = ensure_customers(services, customers)
        measures: list[Measure] = []
        for name, spec in SEGMENTS.items():
            samples, result = _time(
                partial(services.segments.preview_count, spec, as_of=as_of), repeat
            )
            measures.append(_summary(f"segment count: {name}", samples, result))
        dashboard = services.dashboard
        for panel in PANELS:
            samples, result = _time(partial(load_panel, dashboard, panel, as_of=as_of), repeat)
            measures.append(_summary(f"panel: {panel}", samples, _panel_result(result)))

        def every_panel_threads() -> int:
            with ThreadPoolExecutor(max_workers=len(PANELS)) as pool:
                list(pool.map(lambda p: load_panel(dashboard, p, as_of=as_of), PANELS))
            return len(PANELS)

        def every_panel_serial() -> int:
            for panel in PANELS:
                load_panel(dashboard, panel, as_of=as_of)
            return len(PANELS)

        samples, result = _time(every_panel_threads, repeat)
        measures.append(_summary("dashboard, every panel (threads)", samples, result))
        samples, result = _time(every_panel_serial, repeat)
        measures.append(_summary("dashboard, every panel (serial)", samples, result))
        painted, filled = open_dashboard(db_url, as_of, OPENINGS)
        measures.append(_summary("dashboard screen: first paint", painted, "app, headless"))
        measures.append(_summary("dashboard screen: every panel filled", filled, "app, headless"))
        _print(measures, db_url, held, str(services.ctx.db.dialect))
        return []  # printed above, with the database's size and engine in the title
    finally:
        services.close()


def _print(measures: list[Measure], db_url: str, held: int, dialect: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy.engine import make_url

    table = Table(
        title=f"segments and dashboard · {dialect} · {held:,} customers · "
        f"{make_url(db_url).render_as_string(hide_password=True)}"
    )
    table.add_column("measurement")
    table.add_column("median ms", justify="right")
    table.add_column("p95 ms", justify="right")
    table.add_column("result")
    for m in measures:
        table.add_row(m.name, f"{m.median_ms:,.1f}", f"{m.p95_ms:,.1f}", m.result)
    Console().print(table)
