"""Cold start: `crm --help`, `crm show`, and the app to its first paint and to its list.

Every process figure is also given as a ratio to `python -c pass` measured in
the same run (`x_python`): the machine is shared, and the ratio carries from
one run to another where milliseconds do not. "app: process start to the
list's rows painted" is #20's aim 2 (under 0.6 s): the list benchmark's own
measure, a fresh process timed from its start until the first window of
customers is on screen.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import compile_sources, summary_row

APP_TO_FIRST_PAINT = """
import sys, time
started = float(sys.argv[2])
from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.deferred import quick_start
settings = Settings(database_url=sys.argv[1], clerk="bench")
services = quick_start(settings)  # as `crm` opens the app
if services is None:
    from crm_tui.services.registry import open_services
    services = open_services(settings)
app = make_app(services)

def painted() -> None:
    print(f"{(time.time() - started) * 1000:.1f}")
    app.exit()

app.call_after_refresh(lambda: app.call_later(painted))
app.run(headless=True, size=(100, 30))
"""


def _crm() -> str:
    return str(Path(sys.executable).with_name("crm"))


def _wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env)
    return (time.perf_counter() - started) * 1000


def run(db_url: str, repeat: int = 7) -> list[dict[str, Any]]:
    from benchmarks.list_bench import open_and_scroll

    compile_sources()
    env = {**os.environ, "CRM_DATABASE_URL": db_url}
    python = [_wall([sys.executable, "-c", "pass"], env) for _ in range(repeat)]
    rows = [summary_row("reference: python -c pass (process)", python)]
    rows.append(
        summary_row("crm --help (process)", [_wall([_crm(), "--help"], env) for _ in range(repeat)])
    )
    rows.append(
        summary_row(
            "crm show 42 (process)", [_wall([_crm(), "show", "42"], env) for _ in range(repeat)]
        )
    )
    rows.append(
        summary_row(
            "crm show 42 --json (process)",
            [_wall([_crm(), "show", "42", "--json"], env) for _ in range(repeat)],
        )
    )
    paints = []
    for _ in range(max(3, repeat // 2)):
        out = subprocess.run(
            [sys.executable, "-c", APP_TO_FIRST_PAINT, db_url, repr(time.time())],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        paints.append(float(out.stdout.strip().splitlines()[-1]))
    rows.append(summary_row("app: process start to first paint", paints))
    listed = [open_and_scroll(db_url, 0)["open_ms"] for _ in range(max(3, repeat // 2))]
    rows.append(summary_row("app: process start to the list's rows painted", listed))
    floor = statistics.median(python)
    for row in rows[1:]:
        row["x_python"] = round(row["p50_ms"] / floor, 1)
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import crm_tui.cli.main"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    rows.append(
        {
            "measure": "CLI import pulls in textual?",
            "result": "yes" if "textual" in imports else "no",
        }
    )
    return rows
