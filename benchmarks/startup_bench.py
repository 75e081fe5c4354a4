"""Cold start: `crm --help`, `crm show`, and the app to its first painted screen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import summary_row

APP_TO_FIRST_PAINT = """
import sys, time
started = float(sys.argv[2])
from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.registry import open_services
services = open_services(Settings(database_url=sys.argv[1], clerk="bench"))
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
    env = {**os.environ, "CRM_DATABASE_URL": db_url}
    rows = []
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
