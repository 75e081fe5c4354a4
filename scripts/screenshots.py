"""Regenerate screenshots/*.svg: every screen at 80x24 on seeded demo data.

Run: `.venv/bin/python scripts/screenshots.py` (writes into screenshots/).
The database is a throwaway SQLite file with 300 demo customers dated as of
2026-01-15, so the pictures only change when the screens do: the rows the
services write while the demo is built (invoices issued, reminders sent, their
change history) take the demo's own clock, not the wall clock; times are shown
in UTC; cursors do not blink; the duplicate scan's time reads 0.0 s.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import Self
from unittest import mock

from textual.pilot import Pilot
from textual.widgets import Input

from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.models import types
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.merge import scan
from crm_tui.services.registry import Services, open_services
from crm_tui.ui import clock
from crm_tui.ui.base import CrmAppBase, crm_app

OUT = Path(__file__).resolve().parent.parent / "screenshots"
AS_OF = date(2026, 1, 15)
SIZE = (80, 24)

Step = Callable[[Pilot[None]], Awaitable[None]]


class _AnyDatetime(type):
    """Every datetime counts as a DemoClock, so the column type's isinstance check on
    the values it stores still passes while DemoClock stands in for `datetime`."""

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, datetime)


class DemoClock(datetime, metaclass=_AnyDatetime):
    """`datetime` whose now() is the demo's own "now" (AS_OF at 17:00 UTC, as DemoRows
    dates what it draws)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Self:
        moment = cls(AS_OF.year, AS_OF.month, AS_OF.day, 17, tzinfo=UTC)
        return moment if tz is None else moment.astimezone(tz)


@contextmanager
def demo_clock() -> Iterator[None]:
    """What the services stamp with `utcnow()` reads the demo's clock meanwhile."""
    with mock.patch.object(types, "datetime", DemoClock):
        yield


@contextmanager
def still_scan_time() -> Iterator[None]:
    """The duplicate scan's time, shown on the merge screen, reads 0.0 s meanwhile."""
    with mock.patch.object(scan, "time", SimpleNamespace(perf_counter=lambda: 0.0)):
        yield


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def list_results(pilot: Pilot[None]) -> None:
    await pilot.press(*"smith")
    await settle(pilot)


async def list_filters(pilot: Pilot[None]) -> None:
    await pilot.press("down")
    await pilot.press("f")
    await settle(pilot)


def detail_tab(tab: str) -> Step:
    async def step(pilot: Pilot[None]) -> None:
        crm_app(pilot.app).open_customer(7)
        await settle(pilot)
        await pilot.press(tab)
        await settle(pilot)

    return step


async def wizard(pilot: Pilot[None]) -> None:
    crm_app(pilot.app).new_customer()
    await settle(pilot)


async def quick_add(pilot: Pilot[None]) -> None:
    crm_app(pilot.app).quick_add()
    await settle(pilot)


def tool(opener: Callable[[CrmAppBase], None]) -> Step:
    async def step(pilot: Pilot[None]) -> None:
        opener(crm_app(pilot.app))
        await settle(pilot)

    return step


async def customer_invoices(pilot: Pilot[None]) -> None:
    """The invoices of the first demo customer with a partly paid one."""
    from crm_tui.ui.screens.customer_invoices import CustomerInvoicesScreen

    app = crm_app(pilot.app)
    owing = app.services.invoices.list(status="partly_paid")[0].customer_id
    app.push_screen(CustomerInvoicesScreen(owing))
    await settle(pilot)


async def billing_run(pilot: Pilot[None]) -> None:
    from crm_tui.ui.flows import tools

    tools.open_billing_run(crm_app(pilot.app))
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)


def shots() -> dict[str, Step]:
    from crm_tui.ui.flows import groups, tools

    result: dict[str, Step] = {
        "list": settle,
        "list-search": list_results,
        "list-filters": list_filters,
    }
    for number, name in enumerate(
        ["overview", "contacts", "subscriptions", "payments", "notes", "history"], 1
    ):
        result[f"detail-{name}"] = detail_tab(str(number))
    result["wizard"] = wizard
    result["quick-add"] = quick_add
    result["dashboard"] = tool(lambda app: groups.open_dashboard(app, as_of=AS_OF))
    result["segments"] = tool(lambda app: groups.open_segments(app, as_of=AS_OF))
    result["tags"] = tool(groups.open_tags)
    result["billing-groups"] = tool(groups.open_billing_groups)
    result["import"] = tool(tools.open_import)
    result["merge"] = tool(tools.open_merge)
    result["invoices"] = customer_invoices
    result["overdue"] = tool(tools.open_overdue)
    result["billing-run"] = billing_run
    result["reports"] = tool(tools.open_reports)
    return result


def keep_spaces(svg: str) -> str:
    """Tell SVG renderers to keep the space a text run starts with.

    Rich writes each run of one style as its own <text>; a run such as
    " returning" after a bold "71.4%" starts with a (non-breaking) space, which
    librsvg and other renderers drop unless told to preserve it, so pictures
    read "71.4%returning" and "F1Help" where the terminal shows the space."""
    return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)


async def take(services: Services, name: str, step: Step) -> None:
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await step(pilot)
        for field in app.screen.query(Input):  # a steady cursor, as the snapshot tests
            field.cursor_blink = False
        await pilot.pause()
        (OUT / f"{name}.svg").write_text(keep_spaces(app.export_screenshot()), encoding="utf-8")
    print(f"screenshots/{name}.svg")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CRM_CLERK", "screenshots")
        # The OS login history records on SQLite: the same whoever takes the pictures.
        os.environ["LOGNAME"] = "screenshots"
        os.environ["TZ"] = "UTC"  # times are shown in the local zone
        time.tzset()
        settings = Settings(database_url=f"sqlite:///{tmp}/shots.sqlite3", clerk="screenshots")
        services = open_services(settings)
        with demo_clock():
            DemoBuilder(services.ctx, seed=7, as_of=AS_OF).run(300)
        clock.today_override = AS_OF  # overdue days and the billing month as of the demo
        with still_scan_time():
            for name, step in shots().items():
                asyncio.run(take(services, name, step))
        services.close()


if __name__ == "__main__":
    main()
