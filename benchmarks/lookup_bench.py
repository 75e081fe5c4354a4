"""`crm lookup` and `crm show` as whole processes, against fzf and `python -c pass`.

One command (`python -m benchmarks lookup [--db PATH] [--pg URL]`) prints,
per query kind of the search benchmark (its search-as-you-type cases, drawn
from the database itself), the wall time of `crm lookup QUERY` and of
`crm lookup QUERY --json` from spawn to exit (Python start-up, imports,
opening the database, the query, printing to a pipe), beside two references
measured in the same run and interleaved with it: `fzf --filter QUERY` over a
dump of the same customers (see fzf_reference; the time to its complete
answer) and `python -c pass` (the interpreter alone). `crm show` is timed by
id, e-mail and phone, each plain and --json, against fzf filtering for that
customer's e-mail; the phone as a clerk types it (national for a number of
the default region GB, else international with spaces). Figures are medians
of `repeat` runs per query (after one untimed run that also warms the page
cache); CPU time (user + system, from
the child's rusage) does not grow when other work shares the machine; peak
memory is the child's maximum resident set.

The aims (issue 20): under 0.25 s and at most half of fzf on SQLite at a
million customers, under 0.35 s on PostgreSQL, under 80 MB. The last rows say
what `crm lookup` and `crm show` import (`python -X importtime`) and whether
SQLAlchemy, SQLModel, pydantic, Textual or psycopg are among them (they must not be).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import compile_sources, sample_individuals
from benchmarks.fzf_reference import dump_customers, measured, run_fzf
from benchmarks.search_bench import _cases
from crm_tui.db.engine import make_engine

QUERIES_PER_KIND = 3
COMMAND_IMPORTS = """
import sys
from crm_tui.cli.main import cli
try:
    cli.main(sys.argv[1:], prog_name="crm", standalone_mode=False)
except SystemExit:
    pass
heavy = {"sqlalchemy", "sqlmodel", "pydantic", "textual", "psycopg"}
print("HEAVY:" + ",".join(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
"""


def _crm() -> str:
    return str(Path(sys.executable).with_name("crm"))


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall ms, CPU ms, exit code) of one process, its output to a pipe."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    process.stdout.read()  # to the complete answer, as fzf's figure is
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    process.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, code


def _peak_mb(args: list[str], env: dict[str, str]) -> float | None:
    """The process's peak resident memory, by GNU time: a child's own rusage would count
    the benchmark's memory too (Linux keeps the high-water mark of the image before exec)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if gnu_time is None:
        return None
    done = subprocess.run(
        [gnu_time, "-f", "PEAK %M", *args], env=env, capture_output=True, text=True, check=False
    )
    found = re.findall(r"PEAK (\d+)", done.stderr)
    return round(int(found[-1]) / 1024, 1) if found else None


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _import_profile(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, float], str]:
    """Total import ms of a command (argv after `crm`), ms per top-level package, heavy
    packages loaded."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", COMMAND_IMPORTS, *args],
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
    heavy = next((ln[6:] for ln in out.stdout.splitlines() if ln.startswith("HEAVY:")), "?")
    return total, dict(per_package), heavy or "none"


def _measure(
    name: str,
    commands: dict[str, list[list[str]]],
    fzf_queries: list[str],
    env: dict[str, str],
    repeat: int,
    fzf: tuple[str, Path] | None,
    baseline_ms: float,
) -> dict[str, Any]:
    """Each command of `commands` (label: one argv per query), interleaved with fzf."""
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: list[float] = []
    peaks: list[float | None] = []
    codes: set[int] = set()
    for index, query in enumerate(fzf_queries):
        argvs = {label: argv_list[index] for label, argv_list in commands.items()}
        for argv in argvs.values():
            _timed(argv, env)  # warm-up
            peaks.append(_peak_mb(argv, env))
        if fzf:
            run_fzf(fzf[0], fzf[1], query)
        for _ in range(repeat):
            for label, argv in argvs.items():
                wall, cpu, code = _timed(argv, env)
                walls[label].append(wall)
                if label == "crm":
                    cpus.append(cpu)
                codes.add(code)
            if fzf:
                walls["fzf"].append(run_fzf(fzf[0], fzf[1], query)[0])
    row: dict[str, Any] = {"measure": name, "example": fzf_queries[0][:22]}
    for label in commands:
        row[f"{label} ms"] = _median(walls[label])
    row["cpu ms"] = _median(cpus)
    known = [p for p in peaks if p is not None]
    row["peak MB"] = max(known) if known else "-"
    if fzf:
        row["fzf ms"] = _median(walls["fzf"])
        for label in commands:
            row[f"{label}/fzf"] = round(statistics.median(walls[label]) / row["fzf ms"], 2)
    row["x python"] = round(statistics.median(walls["crm"]) / baseline_ms, 1)
    row["exit"] = ",".join(str(c) for c in sorted(codes))
    return row


def run(db_url: str, repeat: int = 5) -> list[dict[str, Any]]:
    compile_sources()
    env = {**os.environ, "CRM_DATABASE_URL": db_url}
    crm = _crm()
    engine = make_engine(db_url, read_only=True)
    try:
        cases = [c for c in _cases(engine, random.Random(7)) if c.queries and measured(c)]
        fzf_path = shutil.which("fzf")
        fzf: tuple[str, Path] | None = None
        if fzf_path is None:
            print("fzf reference skipped: fzf is not installed (no fzf on PATH).")
        else:
            started = time.perf_counter()
            dump = dump_customers(engine)
            how = "reused" if dump.reused else f"written in {time.perf_counter() - started:.0f} s"
            print(f"fzf reference: {dump.lines:,} customers, dump {how}: {dump.path}")
            fzf = (fzf_path, dump.path)
    finally:
        engine.dispose()
    baseline = [_timed([sys.executable, "-c", "pass"], env)[0] for _ in range(repeat * 3)]
    baseline_ms = statistics.median(baseline)
    rows: list[dict[str, Any]] = []
    for case in cases:
        queries = case.queries[:QUERIES_PER_KIND]
        commands = {
            "crm": [[crm, "lookup", q] for q in queries],
            "--json": [[crm, "lookup", q, "--json"] for q in queries],
        }
        rows.append(
            _measure(f"lookup: {case.kind}", commands, queries, env, repeat, fzf, baseline_ms)
        )
    people = sample_individuals(db_url, QUERIES_PER_KIND, min_last_name=5)
    emails = [p.email for p in people]
    show_kinds = {
        "show: id": [str(p.id) for p in people],
        "show: e-mail": [p.email for p in people],
        "show: phone": [_typed_phone(p.phone_digits) for p in people],
    }
    for name, references in show_kinds.items():
        commands = {
            "crm": [[crm, "show", r] for r in references],
            "--json": [[crm, "show", r, "--json"] for r in references],
        }
        rows.append(_measure(name, commands, emails, env, repeat, fzf, baseline_ms))
    rows.append({"measure": "python -c pass", "crm ms": round(baseline_ms, 1)})
    for name, argv in (
        ("lookup imports", ["lookup", cases[0].queries[0]]),
        ("show imports", ["show", str(people[0].id)]),
    ):
        total, per_package, heavy = _import_profile(argv, env)
        biggest = sorted(per_package.items(), key=lambda item: -item[1])[:6]
        rows.append(
            {
                "measure": name,
                "example": f"{total:.0f} ms",
                "crm ms": "heavy: " + heavy,
                "--json ms": ", ".join(f"{name} {ms:.0f}" for name, ms in biggest),
            }
        )
    return rows


def _typed_phone(digits: str) -> str:
    """A stored phone as a clerk types it (default region GB: national for GB numbers)."""
    import phonenumbers

    number = phonenumbers.parse("+" + digits)
    if phonenumbers.region_code_for_number(number) == "GB":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
