"""Writer storm: N clerk processes x M mixed edits on the same customers, at once.

`run_storm` starts the workers (each opens its services, then all start on one
signal), waits for them, and verifies the journals against the database. The
benchmark suite (`python -m benchmarks storm`) runs 8 x 500 on a fresh SQLite
file and, with --pg, on a throwaway PostgreSQL database on that server, and
prints throughput and p50/p99 per acknowledged write. The storm measures
contention, not size, so it does not use the generated demo database.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import percentile
from benchmarks.reliability.checker import Verdict, verify
from benchmarks.reliability.workload import prepare_workdir

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 8
EDITS = 500
SHARED_CUSTOMERS = 20


@dataclass
class StormResult:
    """A storm's verdict plus how long the writing took."""

    verdict: Verdict
    processes: int
    edits: int
    seconds: float
    exit_codes: list[int]

    @property
    def writes_per_second(self) -> float:
        return self.verdict.acknowledged / self.seconds if self.seconds else 0.0

    def row(self, engine: str) -> dict[str, Any]:
        lat = self.verdict.latencies_ms
        ops = self.verdict.ops
        return {
            "measure": f"storm {self.processes} x {self.edits} on {engine}",
            "acked": self.verdict.acknowledged,
            "conflicts": ops["conflict"],
            "locked": ops["locked"],
            "failures": len(self.verdict.failures),
            "problems": len(self.verdict.problems),
            "writes_per_s": round(self.writes_per_second),
            "p50_ms": round(statistics.median(lat), 2) if lat else "",
            "p99_ms": round(percentile(lat, 99), 2) if lat else "",
            "max_ms": round(max(lat), 1) if lat else "",
        }


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.reliability.worker", *args]


def run_storm(
    db_url: str,
    workdir: Path,
    *,
    processes: int = PROCESSES,
    edits: int = EDITS,
    customers: int = SHARED_CUSTOMERS,
    think_ms: float = 2.0,
    timeout_s: float = 900.0,
) -> StormResult:
    """Run the storm on a migrated database and verify it."""
    journals, shared_path = prepare_workdir(db_url, workdir, customers)
    common = ["--db", db_url, "--shared", str(shared_path), "--journals", str(journals)]
    procs = [
        subprocess.Popen(
            worker_command(
                "run",
                *common,
                "--worker",
                f"w{n}",
                "--index",
                str(n),
                "--seed",
                str(n),
                "--edits",
                str(edits),
                "--think-ms",
                str(think_ms),
            ),  # fmt: skip
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(1, processes + 1)
    ]
    try:
        for proc in procs:  # every worker has its services open
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"storm worker {proc.args!r} did not start")
        started = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.close()
        codes = [proc.wait(timeout=timeout_s) for proc in procs]
        seconds = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    verdict = verify(db_url, journals, strict=True)
    return StormResult(verdict, processes, edits, seconds, codes)


def run(db_url: str) -> list[dict[str, Any]]:
    """Benchmark entry: the full storm on a fresh database of `db_url`'s engine."""
    from benchmarks.reliability.scratch import scratch_database

    engine = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    with (
        tempfile.TemporaryDirectory(prefix="crm-storm-") as tmp,
        scratch_database(db_url, Path(tmp)) as url,
    ):
        result = run_storm(url, Path(tmp))
    for line in [*result.verdict.failures[:5], *result.verdict.problems[:5]]:
        print(f"  ! {line}")
    return [result.row(engine)]
