"""The customer list in the running app: keystroke to repainted list, app open, memory.

- **keystroke to repainted list**: the real app under Textual's headless
  Pilot on the benchmark database. For each query, keys are typed one at a
  time; each is timed from the key press until the list shows the rows of
  that exact query (the newest search's rows are on screen) and the screen
  has refreshed. Queries are drawn from the data (last names, e-mail and
  phone fragments, a typo), so every keystroke is a real search.
- **memory**: the peak RSS of this process, which ran the app for all of it.

App open (process start to first paint) is measured by the startup suite.
"""

from __future__ import annotations

import asyncio
import resource
import time
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
    from crm_tui.config import Settings
    from crm_tui.factory import make_app
    from crm_tui.services.registry import open_services
    from crm_tui.ui.screens.customer_list import CustomerListScreen

    services = open_services(Settings(database_url=db_url, clerk="bench"))
    app = make_app(services)
    samples: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CustomerListScreen)
            for query in queries:
                for ch in query:
                    expected = screen.search_bar.value + ch
                    started = time.perf_counter()
                    await pilot.press(ch)
                    while not (screen.request.query == expected and screen.showing_newest):
                        await asyncio.sleep(0.0005)
                    await pilot.pause()  # the refresh that paints them
                    samples.append((time.perf_counter() - started) * 1000)
                    await app.workers.wait_for_complete()  # KPIs settle before the next key
                for _ in query:
                    await pilot.press("backspace")
                await app.workers.wait_for_complete()
                await pilot.pause()
    finally:
        services.close()
    return samples


def run(db_url: str, repeat: int = 3) -> list[dict[str, Any]]:
    queries = _queries(db_url)
    samples: list[float] = []
    for _ in range(repeat):
        samples += asyncio.run(_keystrokes(db_url, queries))
    rows = [
        summary_row(
            "keystroke to repainted list",
            samples,
            p99_ms=round(percentile(samples, 99), 2),
            queries=" / ".join(queries),
        )
    ]
    rows.append(
        {
            "measure": "peak RSS of the process running the app (MB)",
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )
    return rows
