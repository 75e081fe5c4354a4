"""`crm lookup` and `crm show` as whole processes, and what the CLI path imports.

Each command is started `repeat` times as a fresh process (Python start-up,
imports, opening the database, the query, printing) and timed from spawn to
exit. Wall time is what a clerk waits; CPU time (user + system, from the
child's rusage) is also printed because it does not grow when other work
shares the machine. Queries are drawn from the database itself, so each one
matches a real customer.

The import figures come from `python -X importtime`: the whole CLI path when
`crm lookup` runs, the biggest packages in it, and whether Textual is among
them (it must not be).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import sample_individuals, summary_row

LOOKUP_IMPORTS = """
import sys
from crm_tui.cli.main import cli
try:
    cli.main(["lookup", *sys.argv[1:]], prog_name="crm", standalone_mode=False)
except SystemExit:
    pass
print("TEXTUAL" if any(m.split(".")[0] == "textual" for m in sys.modules) else "NO-TEXTUAL")
"""


def _crm() -> str:
    return str(Path(sys.executable).with_name("crm"))


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall ms, CPU ms, exit code) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, process.returncode


def _examples(db_url: str) -> dict[str, list[str]]:
    """A real customer's name, e-mail, phone (national format) and a typo of the name."""
    row = sample_individuals(db_url, 1, min_last_name=5)[0]
    last = row.last_name
    typo = last[0] + last[2] + last[1] + last[3:]
    national = "0" + row.phone_digits[2:] if row.phone_digits.startswith("44") else row.phone_digits
    return {
        "crm lookup <last name>": ["lookup", last],
        "crm lookup <e-mail>": ["lookup", row.email],
        "crm lookup <phone, national>": ["lookup", national],
        "crm lookup <typo> (near misses)": ["lookup", typo],
        "crm lookup <name> --json": ["lookup", last, "--json"],
        "crm show <id>": ["show", str(row.id)],
        "crm show <e-mail> --json": ["show", row.email, "--json"],
    }


def _import_profile(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, float], str]:
    """Total import ms of the lookup path, ms per top-level package, and the Textual verdict."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", LOOKUP_IMPORTS, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    per_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match is None:
            continue
        self_us, _cumulative, _indent, name = match.groups()
        per_package[name.split(".")[0]] += int(self_us) / 1000
        total += int(self_us) / 1000
    verdict = "yes" if "NO-TEXTUAL" not in out.stdout else "no"
    return total, dict(per_package), verdict


def run(db_url: str, repeat: int = 9) -> list[dict[str, Any]]:
    env = {**os.environ, "CRM_DATABASE_URL": db_url}
    rows: list[dict[str, Any]] = []
    for name, args in _examples(db_url).items():
        _timed([_crm(), *args], env)  # warm the page cache
        walls, cpus, codes = [], [], set()
        for _ in range(repeat):
            wall, cpu, code = _timed([_crm(), *args], env)
            walls.append(wall)
            cpus.append(cpu)
            codes.add(code)
        row = summary_row(name, walls)
        row["cpu_p50_ms"] = round(sorted(cpus)[len(cpus) // 2], 1)
        row["exit"] = ",".join(str(c) for c in sorted(codes))
        rows.append(row)
    baseline = [_timed([sys.executable, "-c", "pass"], env)[0] for _ in range(repeat)]
    rows.append(summary_row("python -c pass (interpreter alone)", baseline))
    total, per_package, textual = _import_profile(["smith"], env)
    biggest = sorted(per_package.items(), key=lambda item: -item[1])[:6]
    rows.append(
        {
            "measure": "lookup path imports",
            "import_ms": round(total, 1),
            "textual_imported": textual,
            "biggest": ", ".join(f"{name} {ms:.0f}" for name, ms in biggest),
        }
    )
    return rows
