"""The dashboard screen as a clerk sees it: first paint, then every panel filled.

Opens the app headless (Textual's run_test), waits until the list is idle,
then pushes the dashboard: "first paint" is the time until the screen is
mounted and its first refresh ran (titles and empty panels shown);
"every panel filled" until the last panel's worker finished and its
figure was handed to the panel.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

TIMEOUT_S = 120  # a stuck opening fails the run instead of hanging it


async def _open(db_url: str, as_of: date, repeat: int) -> tuple[list[float], list[float]]:
    from crm_tui.config import Settings
    from crm_tui.factory import make_app
    from crm_tui.services.registry import open_services
    from crm_tui.ui.screens.dashboard import DashboardScreen

    services = open_services(Settings(database_url=db_url, clerk="bench"))
    app = make_app(services)
    painted_ms: list[float] = []
    filled_ms: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(repeat + 1):  # the first opening warms the caches
                screen = DashboardScreen(as_of=as_of)
                started = time.perf_counter()
                await app.push_screen(screen)
                painted = asyncio.Event()
                screen.call_after_refresh(painted.set)
                screen.refresh()  # a refresh to come, should the mount's have run already
                await asyncio.wait_for(painted.wait(), TIMEOUT_S)
                painted_ms.append((time.perf_counter() - started) * 1000)
                await asyncio.wait_for(app.workers.wait_for_complete(), TIMEOUT_S)
                await pilot.pause()
                filled_ms.append((time.perf_counter() - started) * 1000)
                app.pop_screen()
                await pilot.pause()
    finally:
        services.close()
    return painted_ms[1:], filled_ms[1:]


def open_dashboard(db_url: str, as_of: date, repeat: int = 3) -> tuple[list[float], list[float]]:
    """(first paint ms, every panel filled ms) per opening."""
    return asyncio.run(_open(db_url, as_of, repeat))
