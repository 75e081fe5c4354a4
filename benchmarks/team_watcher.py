"""Another clerk's screen for `python -m benchmarks team`: the real app, headless.

    python -m benchmarks.team_watcher --db URL --customer 1 --out seen.json --stop FILE

Opens the app on one customer's detail screen (its own login, live updates
on) and, every 5 ms, reads the header the screen shows; each new first
name ("Ping17") is written with the wall-clock time it appeared, the moment
the widget holds it (the next frame draws it). Nothing presses a key.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.registry import open_services

TOKEN = re.compile(r"Ping\d+")


async def watch(db: str, customer: int, stop: Path, out: Path) -> None:
    """Until `stop` exists (at most an hour)."""
    services = open_services(Settings(database_url=db, clerk="watcher"))
    app = make_app(services, open_customer_id=customer)
    seen: dict[str, float] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(1.0)
        print("ready", flush=True)
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline and not stop.exists():
            header = app.screen.query("#header-title").results(Static)
            for widget in header:
                content = widget.content
                text = content.plain if isinstance(content, Text) else str(content)
                found = TOKEN.search(text)
                if found and found.group(0) not in seen:
                    seen[found.group(0)] = time.time()
            await asyncio.sleep(0.005)
    services.close()
    out.write_text(json.dumps(seen))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--customer", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--stop", type=Path, required=True, help="stop once this file exists")
    args = parser.parse_args()
    asyncio.run(watch(args.db, args.customer, args.stop, args.out))


if __name__ == "__main__":
    main()
