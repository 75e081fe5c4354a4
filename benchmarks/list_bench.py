"""The customer list in the running app: keystroke to repainted list, app open, memory.

- **keystroke to repainted list**: the real app under Textual's headless
  Pilot on the benchmark database. For each query, keys are typed one at a
  time; each is timed from the key press until the list shows the rows of
  that exact query (the newest search's rows are on screen) and the screen
  has refreshed. A key is handed to the app the way the terminal driver
  hands it over (not through `Pilot.press`, which waits for the process to
  look idle and would add its own tens of milliseconds). Queries are drawn from the data (last names, e-mail and
  phone fragments, a typo), so every keystroke is a real search.
- **app open**: a fresh process (`python -c OPEN_AND_SCROLL`) from its start
  to the list's first rows painted, under the headless driver.
- **memory while scrolling**: the same process then walks down the list a
  window at a time (`end` on the table: the next page is fetched by keyset,
  old pages are dropped) to the end of the list (or through `scroll_rows`
  rows), sampling its RSS as it goes; its peak RSS is the app's peak memory.
- **memory (keystrokes)**: the peak RSS of this process, which ran the app
  for the keystroke figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import percentile, sample_individuals, summary_row


def _queries(db_url: str) -> list[str]:
    rows = sample_individuals(db_url, 4, min_last_name=6)
    last = rows[0].last_name.lower()
    return [
        rows[1].last_name.lower()[:6],
        rows[2].email.split("@")[0][:7],
        rows[3].phone_digits[-5:],
        f"{last[0]}{last[2]}{last[1]}{last[3:6]}",  # a typo: near misses
    ]


async def _keystrokes(db_url: str, queries: list[str]) -> list[float]:
    from textual import events

    from crm_tui.config import Settings
    from crm_tui.factory import make_app
    from crm_tui.services.deferred import quick_start
    from crm_tui.services.registry import open_services
    from crm_tui.ui.screens.customer_list import CustomerListScreen

    # As `crm` opens the app: a quick start when the database allows one.
    settings = Settings(database_url=db_url, clerk="bench")
    quick = quick_start(settings)
    services = quick if quick is not None else open_services(settings)
    app = make_app(services)
    samples: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CustomerListScreen)
            driver = app._driver
            assert driver is not None
            for query in queries:
                for ch in query:
                    expected = screen.search_bar.value + ch
                    key = events.Key(ch, ch)
                    key.set_sender(app)
                    started = time.perf_counter()
                    driver.send_message(key)  # as the terminal driver delivers a key
                    while not (screen.request.query == expected and screen.showing_newest):
                        await asyncio.sleep(0.0005)
                    painted = asyncio.Event()
                    screen.call_after_refresh(painted.set)  # the refresh that paints them
                    await painted.wait()
                    samples.append((time.perf_counter() - started) * 1000)
                    await app.workers.wait_for_complete()  # KPIs settle before the next key
                for _ in query:
                    await pilot.press("backspace")
                await app.workers.wait_for_complete()
                await pilot.pause()
    finally:
        services.close()
    return samples


OPEN_AND_SCROLL = """
import asyncio, json, sys, time
started, db_url, out, scroll_rows = float(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])


def memory_mb() -> dict[str, float]:
    # Resident memory: all of it, by kind (the heap, mapped files such as the
    # SQLite mmap) and its peak (VmHWM, not ru_maxrss: Linux carries the
    # parent's peak over into a child's ru_maxrss).
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    keys = ("VmRSS", "RssAnon", "RssFile", "VmHWM")
    return {key: int(fields[key].split()[0]) / 1024 for key in keys}


async def main() -> None:
    from crm_tui.config import Settings
    from crm_tui.factory import make_app
    from crm_tui.services.deferred import quick_start
    from crm_tui.ui.widgets.list.customer_table import CustomerTable

    # As `crm` opens the app: a quick start when the database allows one.
    settings = Settings(database_url=db_url, clerk="bench")
    quick = quick_start(settings)
    if quick is None:
        from crm_tui.services.registry import open_services

    services = quick if quick is not None else open_services(settings)
    app = make_app(services)
    result = {}
    async with app.run_test(size=(100, 30)):
        screen = app.screen
        while not (getattr(screen, "showing_newest", False) and screen.table.loaded_rows):
            await asyncio.sleep(0.001)
            screen = app.screen
        painted = asyncio.Event()
        screen.call_after_refresh(painted.set)
        await painted.wait()
        result["open_ms"] = (time.time() - started) * 1000
        result["quick_start"] = quick is not None
        result["open_rss_mb"] = memory_mb()["VmRSS"]
        table = screen.query_one(CustomerTable)
        table.focus()
        await app.workers.wait_for_complete()
        samples, walked = [], 0
        begun = time.perf_counter()
        while walked < scroll_rows:
            before = table.current_id
            table.action_last_row()
            while table.window.pending is not None:
                await asyncio.sleep(0.0005)
            repainted = asyncio.Event()
            table.call_after_refresh(repainted.set)
            await repainted.wait()
            if table.current_id == before:
                break  # the end of the list
            walked = table.first_page * screen.PAGE_SIZE + table.cursor_row
            if not samples or walked - samples[-1][0] >= max(1, scroll_rows // 10):
                samples.append((walked, round(memory_mb()["VmRSS"], 1)))
        result["scroll_s"] = time.perf_counter() - begun
        result["scrolled_rows"] = walked
        result["rss_samples"] = samples
        result["window_rows"] = len(table.loaded_rows)
        result["memory_mb"] = memory_mb()
    services.close()
    # The kernel updates VmHWM lazily (when memory is unmapped), so the samples count too.
    result["peak_rss_mb"] = max([memory_mb()["VmHWM"], *(mb for _rows, mb in samples)])
    with open(out, "w") as handle:
        json.dump(result, handle)


asyncio.run(main())
"""


def open_and_scroll(db_url: str, scroll_rows: int) -> dict[str, Any]:
    """App open to painted rows, then memory while walking `scroll_rows` rows down."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        subprocess.run(
            [
                sys.executable,
                "-c",
                OPEN_AND_SCROLL,
                repr(time.time()),
                db_url,
                str(out),
                str(scroll_rows),
            ],
            check=True,
            env={**os.environ, "XDG_CONFIG_HOME": scratch, "XDG_DATA_HOME": scratch},
            timeout=3600,
        )
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _listed_customers(db_url: str) -> int:
    """How many customers the list shows with no search and no filter (merged ones hidden)."""
    from sqlalchemy import text

    from crm_tui.db.engine import make_engine

    engine = make_engine(db_url, read_only=True)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM customer WHERE status != 'merged'")
            return int(conn.scalar(query) or 0)
    finally:
        engine.dispose()


def _reference(db_url: str, queries: list[str]) -> list[float]:
    """The same searches through the services alone (the list's first window of each
    keystroke's query), no app: what the keystroke figure is compared with. The
    machine is shared, so the ratio of the two, measured in the same run, is the
    figure that carries from one run to another."""
    from crm_tui.config import Settings
    from crm_tui.services.registry import open_services

    services = open_services(Settings(database_url=db_url, clerk="bench"), "read")
    samples: list[float] = []
    try:
        for query in queries:
            for end in range(1, len(query) + 1):
                started = time.perf_counter()
                services.search.search(query[:end])
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        services.close()
    return samples


def run(db_url: str, repeat: int = 3, scroll_rows: int = 10**9) -> list[dict[str, Any]]:
    """All the figures above; the scroll walks `scroll_rows` rows or to the end of the list."""
    queries = _queries(db_url)
    samples: list[float] = []
    reference: list[float] = []
    for _ in range(repeat):  # interleaved, so both see the same load
        samples += asyncio.run(_keystrokes(db_url, queries))
        reference += _reference(db_url, queries)
    rows = [
        summary_row(
            "keystroke to repainted list",
            samples,
            p99_ms=round(percentile(samples, 99), 2),
            queries=" / ".join(queries),
        ),
        summary_row("reference: the same searches, services only", reference),
        {
            "measure": "keystroke / reference (median, p95)",
            "ratio_median": round(
                percentile(samples, 50) / max(percentile(reference, 50), 1e-9), 2
            ),
            "ratio_p95": round(percentile(samples, 95) / max(percentile(reference, 95), 1e-9), 2),
        },
    ]
    rows.append(
        {
            "measure": "peak RSS of the process typing (MB)",
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )
    opens = [open_and_scroll(db_url, 0) for _ in range(repeat)]
    rows.append(
        summary_row(
            "app: process start to list rows painted",
            [o["open_ms"] for o in opens],
            rss_mb=round(max(o["open_rss_mb"] for o in opens)),
        )
    )
    # Bounded by what the list shows, so "every tenth" is a tenth of the real walk.
    walk = open_and_scroll(db_url, min(scroll_rows, _listed_customers(db_url)))
    rss = [mb for _rows, mb in walk["rss_samples"]]
    rows.append(
        {
            "measure": f"scroll through {walk['scrolled_rows']:,} rows by keyset windows",
            "seconds": round(walk["scroll_s"], 1),
            "rows_in_window": walk["window_rows"],
            "rss_mb_every_tenth": " ".join(f"{mb:.0f}" for mb in rss),
            "heap_mb": round(walk["memory_mb"]["RssAnon"]),
            "mapped_mb": round(walk["memory_mb"]["RssFile"]),
            "peak_rss_mb": round(walk["peak_rss_mb"]),
        }
    )
    return rows
