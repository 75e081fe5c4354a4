"""Crash safety: clerk processes killed with SIGKILL at random points, and an import killed midway.

`run_kill_loop` forks a clerk (from a zygote that has already imported
everything, so hundreds of kills cost seconds, not minutes), lets it write
for a random 40-600 ms and kills it; after every kill the checker verifies
that every write journalled before the kill is in the database and that the
database is sound. `run_import_kill` starts the real `crm import` command,
kills it once a random share of the file is saved, runs the same command
again and expects exactly the file's customers, once each.

`python -m benchmarks crash` runs 300 kills and a 100,000-row import kill on a
fresh database of each engine.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.reliability.checker import Verdict, verify
from benchmarks.reliability.journal import read_journal
from benchmarks.reliability.storm import REPO, worker_command
from benchmarks.reliability.workload import prepare_workdir
from crm_tui.db.engine import make_engine
from crm_tui.models import Customer
from crm_tui.services.checks import check_database
from crm_tui.services.imports.service import BATCH as IMPORT_BATCH

KILLS = 300
IMPORT_ROWS = 100_000


@dataclass
class KillLoopResult:
    """How many kills, how many landed inside a write, and the first failed check."""

    kills: int = 0
    survived: int = 0  # kills after which every check passed
    during_write: int = 0  # kills that hit a write in flight (its journal ends with an intent)
    acknowledged: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    cli_check: str = ""

    def row(self, engine: str) -> dict[str, Any]:
        return {
            "measure": f"kill -9 loop on {engine}",
            "kills": self.kills,
            "survived": self.survived,
            "during_write": self.during_write,
            "acked_writes": self.acknowledged,
            "problems": len(self.problems),
            "seconds": round(self.seconds, 1),
        }


def run_kill_loop(
    db_url: str,
    workdir: Path,
    *,
    kills: int = KILLS,
    seed: int = 1,
    min_ms: float = 40.0,
    max_ms: float = 600.0,
    customers: int = 8,
) -> KillLoopResult:
    journals, shared_path = prepare_workdir(db_url, workdir, customers)
    rng = random.Random(seed)
    result = KillLoopResult()
    started = time.monotonic()
    zygote = subprocess.Popen(
        worker_command(
            "zygote",
            "--db",
            db_url,
            "--shared",
            str(shared_path),
            "--journals",
            str(journals),
            "--think-ms",
            "0",
        ),  # fmt: skip
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        if zygote.stdout.readline().strip() != "ready":
            raise RuntimeError("the kill-loop zygote did not start")
        for n in range(1, kills + 1):
            name = f"k{n:04d}"
            zygote.stdin.write(f"go {name} {rng.uniform(min_ms, max_ms):.1f}\n")
            zygote.stdin.flush()
            answer = zygote.stdout.readline().split()
            result.kills += 1
            if answer[:1] != ["killed"]:
                result.problems.append(f"{name}: the clerk was not killed but {answer}")
                break
            ops = [e.op for e in read_journal(journals / f"{name}.jsonl")]
            if ops and ops[-1] == "intent":
                result.during_write += 1
            verdict = verify(db_url, journals, strict=False)
            result.acknowledged = verdict.acknowledged
            if not verdict.ok:
                result.problems.extend(f"after {name}: {p}" for p in _reasons(verdict))
                break
            result.survived += 1
        zygote.stdin.close()
        zygote.wait(timeout=30)
    finally:
        if zygote.poll() is None:
            zygote.kill()
            zygote.wait()
    result.seconds = time.monotonic() - started
    result.cli_check = crm_db_check(db_url)
    return result


def _reasons(verdict: Verdict) -> list[str]:
    return [*verdict.failures[:10], *verdict.problems]


def crm_db_check(db_url: str) -> str:
    """`crm db check` as a user runs it; returns '' when it passes, else its output."""
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", db_url, "db", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return "" if done.returncode == 0 else (done.stdout + done.stderr).strip()


# --- import killed midway ----------------------------------------------------------


@dataclass
class ImportKillResult:
    """Where the import was killed and what the re-run left."""

    rows: int
    customers_at_kill: int = 0
    killed: bool = False
    rerun_exit: int | None = None
    customers_after: int = 0
    duplicate_emails: int = 0
    first_run_s: float = 0.0
    rerun_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    def row(self, engine: str) -> dict[str, Any]:
        return {
            "measure": f"import of {self.rows:,} rows killed, re-run, on {engine}",
            "killed_at": self.customers_at_kill,
            "after_rerun": self.customers_after,
            "duplicates": self.duplicate_emails,
            "problems": len(self.problems),
            "first_run_s": round(self.first_run_s, 1),
            "rerun_s": round(self.rerun_s, 1),
        }


def write_import_file(path: Path, rows: int) -> None:
    """A plain CSV of `rows` distinct people (e-mail is the natural key)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["First name", "Last name", "Email", "Company"])
        for n in range(rows):
            out.writerow([f"Imp{n}", f"Orted{n % 997}", f"import.{n}@crash.example.com", ""])


def _count(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Customer)) or 0)


def run_import_kill(
    db_url: str, workdir: Path, *, rows: int, seed: int = 1, timeout_s: float = 1800.0
) -> ImportKillResult:
    """Kill `crm import` once 15-85% of the rows are saved, re-run it, and check the result.

    The import commits a batch per transaction, so the re-run (default
    --on-duplicate skip) must find the saved rows by e-mail and add the rest.
    """
    data = workdir / "import.csv"
    write_import_file(data, rows)
    command = [sys.executable, "-m", "crm_tui", "--db", db_url, "import", str(data)]
    command += ["--refused", str(workdir / "refused.csv")]
    result = ImportKillResult(rows=rows)
    rng = random.Random(seed)
    # Rows are saved a batch per transaction: leave at least one batch to come.
    target = min(int(rows * rng.uniform(0.15, 0.85)), rows - IMPORT_BATCH)
    engine = make_engine(db_url)
    try:
        before = _count(engine)
        started = time.monotonic()
        proc = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        while proc.poll() is None and time.monotonic() - started < timeout_s:
            have = _count(engine) - before
            if have >= target:
                # Saved rows show up a batch at a time; wait a little more so the
                # kill lands inside the next batch's transaction, not between two.
                time.sleep(rng.uniform(0.02, 0.3))
                os.kill(proc.pid, signal.SIGKILL)
                result.killed = True
                result.customers_at_kill = have
                break
            time.sleep(0.02)
        proc.wait()
        result.first_run_s = time.monotonic() - started
        if not result.killed:
            result.problems.append(
                f"the import ended (exit {proc.returncode}) before {target} rows were saved"
            )
        started = time.monotonic()
        rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
        result.rerun_s = time.monotonic() - started
        result.rerun_exit = rerun.returncode
        if rerun.returncode != 0:
            result.problems.append(f"the re-run exited {rerun.returncode}: {rerun.stderr[-500:]}")
        result.customers_after = _count(engine) - before
        with engine.connect() as conn:
            result.duplicate_emails = int(
                conn.scalar(
                    select(func.count()).select_from(
                        select(col(Customer.email_key))
                        .where(col(Customer.email_key).like("import.%@crash.example.com"))
                        .group_by(col(Customer.email_key))
                        .having(func.count() > 1)
                        .subquery()
                    )
                )
                or 0
            )
            imported = int(
                conn.scalar(
                    select(func.count(func.distinct(col(Customer.email_key)))).where(
                        col(Customer.email_key).like("import.%@crash.example.com")
                    )
                )
                or 0
            )
        if result.customers_after != rows or imported != rows:
            result.problems.append(
                f"{result.customers_after} customers ({imported} distinct e-mails) after the re-run, expected {rows}"
            )
        if result.duplicate_emails:
            result.problems.append(f"{result.duplicate_emails} e-mails imported more than once")
        report = check_database(engine)
        result.problems.extend(f"db check: {p}" for p in report.problems)
    finally:
        engine.dispose()
    return result


def run(db_url: str) -> list[dict[str, Any]]:
    """Benchmark entry: 300 kills, then a 100,000-row import killed midway, on a fresh database."""
    from benchmarks.reliability.scratch import scratch_database

    engine = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    rows = []
    with tempfile.TemporaryDirectory(prefix="crm-crash-") as tmp:
        with scratch_database(db_url, Path(tmp)) as url:
            loop = run_kill_loop(url, Path(tmp))
        rows.append(loop.row(engine))
        (Path(tmp) / "import").mkdir()
        with scratch_database(db_url, Path(tmp) / "import") as url:
            imp = run_import_kill(url, Path(tmp) / "import", rows=IMPORT_ROWS)
        rows.append(imp.row(engine))
    for line in [*loop.problems[:5], loop.cli_check, *imp.problems[:5]]:
        if line:
            print(f"  ! {line}")
    return rows
