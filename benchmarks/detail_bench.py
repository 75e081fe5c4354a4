"""Customer detail: open-to-painted and tab-switch times for a heavy customer.

`run(db_url)` finds (or, the first time, adds through the services) one
customer with 500 payments, 200 notes, 4 subscriptions, 1 order and 3 contacts
in the database at `db_url`, then drives the real CustomerDetailScreen in a
headless app at 80x24:

- open -> skeleton painted: push the screen until its first frame (header
  says "Loading").
- open -> overview painted: until the Overview's data (customer, figures,
  addresses) is on screen, i.e. the frame after its worker's result landed.
- open, kept screen: the same through the app's `open_customer`, which from the
  second customer on shows them in the screen it kept (header painted: the first
  frame; overview painted: its data on screen).
- first visit of each tab: key press to the frame showing its rows (thread
  fetch + table fill + paint); the Payments tab fills 500 rows, Notes 200.
- revisit: switching back to a tab already loaded (no fetch).
- the services alone (no UI) for the two heavy tabs, to split DB from UI time.

Each figure is the median and p95 over `repeat` fresh screens after one
warm-up. Rows marked (cpu) give the process CPU time over the same span (all
threads): on a busy machine wall time includes waiting for a core, CPU time
does not. `x_reference` compares each median with the same measure of a
screen holding only six empty tabs and a footer (Textual's floor on this
machine, at this moment).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from benchmarks.common import summary_row, time_calls
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
from crm_tui.ui.screens.customer_detail import TABS, CustomerDetailScreen
from crm_tui.ui.widgets.detail.base import DetailTab

BENCH_EMAIL = "detail-bench@example.com"
PAYMENTS, NOTES = 500, 200
HEAVY_TABS = ["contacts", "subscriptions", "payments", "notes", "history"]
REFERENCE = "reference: empty 6-tab screen painted"


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
    """The real app without the list screen underneath."""

    def on_mount(self, event: events.Mount | None = None) -> None:
        assert event is not None  # Textual passes it; the default keeps the override compatible
        event.prevent_default()


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


async def _open_kept(
    app: CrmApp, shown: _Shown, cid: int, record: Callable[[str, float, float, bool], None],
    keep: bool,
) -> None:  # fmt: skip
    """The app's own way in (`open_customer`): the second time on, the kept screen shows
    the customer again instead of a new screen being composed."""
    before = shown.counts.get("overview", 0)
    started, cpu = time.perf_counter(), time.process_time()
    app.open_customer(cid)
    await _next_frame(app)
    record("open, kept screen -> header painted", started, cpu, keep)
    await shown.wait("overview", before)
    await _next_frame(app)
    record("open, kept screen -> overview painted", started, cpu, keep)
    await app.workers.wait_for_complete()
    app.pop_screen()
    await asyncio.sleep(0.05)


async def _measure(services: Services, cid: int, repeat: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}

    def record(name: str, started: float, cpu_started: float, keep: bool) -> None:
        if keep:
            samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            samples.setdefault(f"{name} (cpu)", []).append(
                (time.process_time() - cpu_started) * 1000
            )

    app = _BenchApp(services)
    with _Shown() as shown:
        async with app.run_test(size=(80, 24)) as pilot:
            for attempt in range(repeat + 1):
                keep = attempt > 0  # the first round warms caches and imports
                if keep:  # as `crm` does once its list is painted
                    app.freeze_after_start = True
                    app.started()
                started, cpu = time.perf_counter(), time.process_time()
                before = shown.counts.get("overview", 0)
                screen = CustomerDetailScreen(cid)
                await app.push_screen(screen)
                await _next_frame(app)
                record("open -> skeleton painted", started, cpu, keep)
                await shown.wait("overview", before)
                await _next_frame(app)
                record("open -> overview painted", started, cpu, keep)
                for name in HEAVY_TABS:
                    before = shown.counts.get(name, 0)
                    started, cpu = time.perf_counter(), time.process_time()
                    screen.action_show_tab(name)
                    await shown.wait(name, before)
                    await _next_frame(app)
                    record(f"tab {name}: first visit", started, cpu, keep)
                for name in ("payments", "notes"):
                    screen.action_show_tab("overview")
                    await _next_frame(app)
                    started, cpu = time.perf_counter(), time.process_time()
                    screen.action_show_tab(name)
                    await _next_frame(app)
                    record(f"tab {name}: revisit", started, cpu, keep)
                await app.workers.wait_for_complete()
                app.pop_screen()
                await pilot.pause()
                await _open_kept(app, shown, cid, record, keep)
                started, cpu = time.perf_counter(), time.process_time()
                await app.push_screen(_ReferenceScreen())
                await _next_frame(app)
                record(REFERENCE, started, cpu, keep)
                app.pop_screen()
                await pilot.pause()
    return samples


def run(db_url: str, repeat: int = 15) -> list[dict[str, Any]]:
    services = open_services(Settings(database_url=db_url, clerk="bench"))
    try:
        started = time.perf_counter()
        cid = heavy_customer(services)
        setup_s = time.perf_counter() - started
        samples = asyncio.run(_measure(services, cid, repeat))
        floor = statistics.median(samples[REFERENCE])
        floor_cpu = statistics.median(samples[f"{REFERENCE} (cpu)"])
        rows = [
            summary_row(
                name,
                values,
                x_reference=round(
                    statistics.median(values) / (floor_cpu if name.endswith("(cpu)") else floor), 1
                ),
            )
            for name, values in samples.items()
        ]
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
