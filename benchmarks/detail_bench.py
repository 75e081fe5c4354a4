"""Customer detail: issue #20's aim 3, key to painted, as ratios to Textual's floor.

`run(db_url)` finds (or, the first time, adds through the services) one
customer with 500 payments, 200 notes, 4 subscriptions, 1 order and 3 contacts
in the database at `db_url`, then drives the real CustomerDetailScreen in a
headless app at 80x24, through keys where a person would press one:

- open, the next customer (the app's way, `open_customer`: the screen it keeps
  shows them): key -> first frame (the header), key -> Overview painted, and
  how many frames were painted up to the Overview's (1: it was in the first);
- open, the first customer (a screen composed, mounted and laid out): the same;
- first visit of each tab, on the kept screen and on a new one: tab key to the
  frame showing its rows (thread read + table fill + paint); Payments fills
  500 rows, Notes 200;
- revisit: back on the Overview, the tab key again (nothing read) to painted;
- keys are posted as a terminal sends them (Pilot.press would wait for animations);
- the reference: a screen holding only a label, six empty tabs and a footer,
  pushed to painted (Textual's floor on this machine, at this moment);
- the services alone (no UI), to split database from UI time.

Each figure is the median and p95 over `repeat` rounds after one warm-up; the
reference is measured in every round beside the rest. `x_ref_p50` and
`x_ref_p95` divide each by the reference's own median and p95; `aim` says
issue #20's aim for that measure and by how much it is met or missed (the aims
are for a quiet machine: on a busy one read the ratios). Rows marked (cpu)
give the process CPU time over the same span (all threads): on a busy machine
wall time includes waiting for a core, CPU time does not. "tabs read while
opening" counts the reads of tabs nobody opened (the aim: none).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import RenderableType
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from benchmarks.common import percentile, summary_row, time_calls
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    NoteCreate,
)
from crm_tui.services.errors import NotFound
from crm_tui.services.registry import Services, open_services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_tabs import TABS
from crm_tui.ui.widgets.detail.base import DetailTab

BENCH_EMAIL = "detail-bench@example.com"
PAYMENTS, NOTES = 500, 200
HEAVY_TABS = ["contacts", "subscriptions", "payments", "notes", "history"]
REFERENCE = "reference: empty 6-tab screen pushed -> painted"
NEXT = "open, next customer (kept screen)"
FIRST = "open, first customer (new screen)"


def heavy_customer(services: Services) -> int:
    """The benchmark customer, created with its payments and notes on first use."""
    try:
        return services.customers.resolve(BENCH_EMAIL).id
    except NotFound:
        pass
    c = services.customers.create(
        CustomerCreate(kind="business", company_name="Heavy Detail Bench Ltd", first_name="Bea", last_name="Nch", email=BENCH_EMAIL, currency="GBP", segment="VIP", tags=["bench"]),
    )  # fmt: skip
    cid = c.id
    for name in ("Ana", "Ben", "Cy"):
        services.contacts.add(cid, ContactCreate(first_name=name, title="Buyer"))
    services.addresses.add(cid, AddressCreate(line1="1 Bench Street", city="London"))
    method = services.billing.add_payment_method(
        cid, PaymentMethodCreate(brand="Visa", bin="424242", last4="4242", exp_month="12", exp_year="2031", holder_name="Bea Nch"),
    )  # fmt: skip
    subs = [
        services.billing.add_subscription(
            cid,
            SubscriptionCreate(
                product=f"Product {i}", monthly_amount="19.99", start_date="2020-01-01"
            ),
        )
        for i in range(4)
    ]
    order = services.billing.add_order(
        cid,
        OrderCreate(items=[OrderItemCreate(description="Router", quantity=1, unit_price="49.00")]),
    )
    start = datetime(2020, 1, 1, 12, tzinfo=UTC)
    statuses = ["paid"] * 17 + ["pending", "failed", "refunded"]
    for i in range(PAYMENTS):
        services.billing.record_payment(
            cid,
            PaymentCreate(
                amount="19.99",
                status=statuses[i % len(statuses)],
                paid_at=start + timedelta(days=3 * i),
                subscription_id=subs[i % 4].id if i % 50 else None,
                order_id=order.id if i % 50 == 0 else None,
                payment_method_id=method.id,
                reference=f"PAY-{i:05d}",
            ),
        )
    types = ["note", "call", "email", "meeting", "task"]
    for i in range(NOTES):
        services.notes.add(
            cid,
            NoteCreate(
                type=types[i % 5],
                title=f"Activity {i}",
                body="Spoke about the account.\nAll fine.",
                follow_up_on="2025-06-01" if i % 10 == 0 else None,
                pinned=i % 40 == 0,
            ),
        )
    return cid


class _BenchApp(CrmApp):
    """The real app without the list screen underneath; it counts the frames it paints."""

    frames = 0

    def on_mount(self, event: events.Mount | None = None) -> None:
        assert event is not None  # Textual passes it; the default keeps the override compatible
        event.prevent_default()

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        self.frames += 1
        super()._display(screen, renderable)


async def _next_frame(app: CrmApp) -> None:
    """Wait until the screen has been refreshed (painted) after what just happened."""
    painted = asyncio.get_running_loop().create_future()
    app.screen.refresh()  # make sure a refresh is pending, so the callback comes

    def done() -> None:
        if not painted.done():
            painted.set_result(None)

    app.call_after_refresh(done)
    await asyncio.wait_for(painted, 30)


class _Shown:
    """Counts, per tab id, how often a tab has filled its widgets (patched in for the run)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.originals: dict[type[DetailTab[Any]], Callable[..., None]] = {}

    def __enter__(self) -> _Shown:
        for tab_class in {c for _, c in TABS.values()}:
            original = tab_class.show
            self.originals[tab_class] = original

            def show(tab: DetailTab[Any], data: Any, _original: Any = original) -> None:
                _original(tab, data)
                self.counts[tab.id or ""] = self.counts.get(tab.id or "", 0) + 1

            tab_class.show = show  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        for tab_class, original in self.originals.items():
            tab_class.show = original  # type: ignore[method-assign]

    def others(self) -> int:
        """Shows of every tab but the Overview so far."""
        return sum(n for name, n in self.counts.items() if name != "overview")

    async def wait(self, name: str, before: int, timeout: float = 60) -> None:
        deadline = time.perf_counter() + timeout
        while self.counts.get(name, 0) <= before:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the {name} tab never showed its data")
            await asyncio.sleep(0.0005)


class _ReferenceScreen(Screen[None]):
    """The floor: a screen with a label, six empty tabs and a footer, no data."""

    def compose(self) -> ComposeResult:
        yield Static("reference")
        with TabbedContent():
            for index in range(6):
                with TabPane(f"{index} tab"):
                    yield Static("empty")
        yield Footer()


class _Samples:
    """Milliseconds (wall and CPU) per measure, kept after the warm-up round."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.keep = False

    def add(self, name: str, value: float) -> None:
        if self.keep:
            self.values.setdefault(name, []).append(value)

    def since(self, name: str, started: float, cpu_started: float) -> None:
        self.add(name, (time.perf_counter() - started) * 1000)
        self.add(f"{name} (cpu)", (time.process_time() - cpu_started) * 1000)


async def _open(
    app: _BenchApp, shown: _Shown, samples: _Samples, label: str, open_it: Callable[[], object]
) -> None:
    """Open the customer (`open_it` is what the key does) and time its first frame and
    the frame that shows the Overview's data; count the frames up to it."""
    before, others = shown.counts.get("overview", 0), shown.others()
    frames = app.frames
    started, cpu = time.perf_counter(), time.process_time()
    open_it()
    await _next_frame(app)
    samples.since(f"{label}: key -> first frame (header)", started, cpu)
    await shown.wait("overview", before)
    await _next_frame(app)
    samples.since(f"{label}: key -> Overview painted", started, cpu)
    samples.add(f"{label}: frames up to the Overview's", app.frames - frames)
    await app.workers.wait_for_complete()
    samples.add("tabs read while opening (not opened)", shown.others() - others)


async def _type(app: CrmApp, key: str) -> None:
    """A key as the terminal sends it: posted, nothing waits for it (Pilot.press would also
    wait for every animation to end, such as the tab underline's slide)."""
    app.post_message(events.Key(key, key))
    await asyncio.sleep(0)


async def _switched(screen: CustomerDetailScreen, name: str, timeout: float = 30) -> None:
    deadline = time.perf_counter() + timeout
    while screen.active_tab != name:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the {name} tab was never shown")
        await asyncio.sleep(0.0005)


async def _visit_tabs(app: CrmApp, shown: _Shown, samples: _Samples, label: str) -> None:
    """First visit of each tab by its key, then a revisit of each from the Overview."""
    keys = {name: str(index) for index, name in enumerate(TABS, start=1)}
    screen = app.screen
    assert isinstance(screen, CustomerDetailScreen)
    for name in HEAVY_TABS:
        before = shown.counts.get(name, 0)
        started, cpu = time.perf_counter(), time.process_time()
        await _type(app, keys[name])
        await shown.wait(name, before)
        await _next_frame(app)
        samples.since(f"{label}: tab {name}: first visit", started, cpu)
    for name in HEAVY_TABS:
        await _type(app, keys["overview"])
        await _switched(screen, "overview")
        await _next_frame(app)
        await app.workers.wait_for_complete()
        started, cpu = time.perf_counter(), time.process_time()
        await _type(app, keys[name])
        await _switched(screen, name)
        await _next_frame(app)
        samples.since(f"{label}: tab {name}: revisit", started, cpu)
    await app.workers.wait_for_complete()


async def _measure(services: Services, cid: int, repeat: int) -> dict[str, list[float]]:
    samples = _Samples()
    app = _BenchApp(services)
    with _Shown() as shown:
        async with app.run_test(size=(80, 24)) as pilot:
            for attempt in range(repeat + 1):
                samples.keep = attempt > 0  # the first round warms caches and imports
                if samples.keep:  # as `crm` does once its list is painted
                    app.freeze_after_start = True
                    app.started()
                # The app's way: from the second customer on, the screen it keeps.
                await _open(app, shown, samples, NEXT, lambda: app.open_customer(cid))
                await _visit_tabs(app, shown, samples, "kept screen")
                app.pop_screen()
                await pilot.pause()
                # A screen composed for the customer, as for the first one.
                await _open(app, shown, samples, FIRST,
                            lambda: app.push_screen(CustomerDetailScreen(cid)))  # fmt: skip
                await _visit_tabs(app, shown, samples, "new screen")
                app.pop_screen()
                await pilot.pause()
                started, cpu = time.perf_counter(), time.process_time()
                await app.push_screen(_ReferenceScreen())
                await _next_frame(app)
                samples.since(REFERENCE, started, cpu)
                app.pop_screen()
                await pilot.pause()
    return samples.values


def _aim(name: str, values: list[float]) -> str:
    """Issue #20's aim for this measure, and by how much it is met or missed."""
    if name.endswith("(cpu)") or name.startswith(REFERENCE):
        return ""
    if "frames up to" in name:
        frames = statistics.median(values)
        return f"p50 1 frame: {'met' if frames <= 1 else f'missed, {frames:g}'}"
    if name.startswith("tabs read while"):
        return "none: " + ("met" if max(values) == 0 else "missed")
    limit = 50.0 if name.endswith("revisit") else 100.0
    if "Overview painted" in name or "first visit" in name or name.endswith("revisit"):
        p95 = percentile(values, 95)
        how = "met" if p95 < limit else f"missed by {p95 - limit:.0f} ms"
        return f"p95 < {limit:.0f} ms: {how}"
    return ""


def _rows(samples: dict[str, list[float]]) -> list[dict[str, Any]]:
    floor = {
        cpu: (statistics.median(samples[f"{REFERENCE}{cpu}"]),
              percentile(samples[f"{REFERENCE}{cpu}"], 95))
        for cpu in ("", " (cpu)")
    }  # fmt: skip
    rows = []
    for name, values in samples.items():
        p50_floor, p95_floor = floor[" (cpu)" if name.endswith("(cpu)") else ""]
        timed = "frames" not in name and not name.startswith("tabs read")
        rows.append(
            summary_row(
                name,
                values,
                x_ref_p50=round(statistics.median(values) / p50_floor, 2) if timed else "",
                x_ref_p95=round(percentile(values, 95) / p95_floor, 2) if timed else "",
                aim=_aim(name, values),
            )
        )
    return rows


def run(db_url: str, repeat: int = 15) -> list[dict[str, Any]]:
    services = open_services(Settings(database_url=db_url, clerk="bench"))
    try:
        started = time.perf_counter()
        cid = heavy_customer(services)
        setup_s = time.perf_counter() - started
        rows = _rows(asyncio.run(_measure(services, cid, repeat)))
        billing, notes = services.billing, services.notes
        rows.append(
            summary_row(
                f"services only: {PAYMENTS} payments + orders + cards",
                time_calls(
                    lambda: (
                        billing.payments(cid),
                        billing.orders(cid),
                        billing.payment_methods(cid),
                    ),
                    repeat,
                ),
            )
        )
        rows.append(
            summary_row(
                f"services only: {NOTES} notes", time_calls(lambda: notes.list(cid), repeat)
            )
        )
        rows.append(
            summary_row(
                "services only: overview (customer, figures, addresses)",
                time_calls(
                    lambda: (
                        services.customers.get(cid),
                        services.figures.for_customer(cid),
                        services.addresses.list(cid),
                    ),
                    repeat,
                ),
            )
        )
        rows.append({"measure": "setup (find or create the heavy customer)", "n": 1,
                     "p50_ms": round(setup_s * 1000, 1), "p95_ms": ""})  # fmt: skip
        return rows
    finally:
        services.close()
