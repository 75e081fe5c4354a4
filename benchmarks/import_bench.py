"""`crm import` rows/s as whole processes, beside references measured in the same run.

    nice .venv/bin/python -m benchmarks import --rows 50000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The file is import_export_bench's Shopify-shaped CSV (names, e-mails, phones,
addresses, tags; one e-mail in 50 broken, one row in 3 without a phone).
Each engine gets a fresh migrated database (a temporary SQLite file, or a
new PostgreSQL database on the --pg server, dropped after) and one
`crm --db URL import FILE` process, timed from start to exit, with its peak
resident memory (wait4). The references run as whole processes on the
same file in the same run, each between the imports:
- "read + validate alone": the import's own reading and row preparation
  (every rule: card numbers, e-mail and phone checks, addresses, tags),
  nothing written;
- "executemany alone": the customer rows of the file, as tuples, in one
  executemany per 1,000 into a bare SQLite table (no indexes, no triggers).
The import's rows/s is printed as a ratio of each, and its CPU seconds (its
reading process included) beside the first's: on a machine others share,
rows per CPU second moves less than rows per second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DATA_DIR
from benchmarks.import_export_bench import _drop, _fresh_database, make_csv

ROOT = Path(__file__).resolve().parent.parent

PREPARE_ONLY = """
import sys
from crm_tui.config import Settings
from crm_tui.services.imports.formats import open_source
from crm_tui.services.imports.service import ImportService, prepare_record
from crm_tui.services.registry import open_services

services = open_services(Settings(database_url=sys.argv[1], clerk="bench"))
importer = ImportService(services.ctx)
with open_source(sys.argv[2]) as source:
    mapping = importer._mapping(source, None, None)
    context = importer._context(source, mapping, None)
    rows = sum(1 for record in source.records() if prepare_record(record, mapping, context))
print(rows)
"""

EXECUTEMANY_ONLY = """
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, first TEXT, last TEXT, email TEXT, "
           "phone TEXT, street TEXT, city TEXT, country TEXT, postcode TEXT)")
with open(sys.argv[2], encoding="utf-8", newline="") as handle:
    reader = csv.reader(handle)
    next(reader)
    batch = []
    for cells in reader:
        batch.append((cells[1], cells[2], cells[3], cells[10], cells[6], cells[7], cells[8], cells[9]))
        if len(batch) == 1000:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO c (first, last, email, phone, street, city, country, "
                           "postcode) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
            db.execute("COMMIT")
            batch = []
print(db.execute("SELECT count(*) FROM c").fetchone()[0])
"""


def run_process(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak RSS MB, stdout) of one child process, timed from start
    to exit; the CPU time includes its own children (the import's reading process)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own peak memory
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problem = out.read(), err.read()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {(problem or text).strip()[-400:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Never the user's own data folder or config.
    env.update(XDG_DATA_HOME=str(folder / "data"), XDG_CONFIG_HOME=str(folder / "config"),
               XDG_STATE_HOME=str(folder / "state"), CRM_DATABASE_URL="")  # fmt: skip
    return env


def run(pg_url: str | None = None, rows: int = 50_000) -> list[dict[str, Any]]:
    """Measure and print; returns the table rows."""
    DATA_DIR.mkdir(exist_ok=True)
    source = make_csv(DATA_DIR / f"import-{rows}.csv", rows)
    folder = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    env = _env(folder)
    results: list[dict[str, Any]] = []
    try:
        (folder / "scratch").mkdir()
        scratch, _ = _fresh_database(f"sqlite:///{folder / 'x'}", folder / "scratch")
        command = [sys.executable, "-c", PREPARE_ONLY, scratch, str(source)]
        seconds, cpu, peak, _ = run_process(command, env)
        prepare, prepare_cpu = rows / seconds, rows / cpu
        results.append({"measure": "reference: read + validate alone (process)",
                        "seconds": round(seconds, 1), "rows_per_s": round(prepare),
                        "cpu_s": round(cpu, 1), "rows_per_cpu_s": round(prepare_cpu),
                        "peak_mb": round(peak)})  # fmt: skip
        seconds, cpu, peak, _ = run_process(
            [sys.executable, "-c", EXECUTEMANY_ONLY, str(folder / "bare.sqlite3"), str(source)], env
        )
        plain = rows / seconds
        results.append({"measure": "reference: executemany into a bare table (process)",
                        "seconds": round(seconds, 1), "rows_per_s": round(plain),
                        "cpu_s": round(cpu, 1), "rows_per_cpu_s": round(rows / cpu),
                        "peak_mb": round(peak)})  # fmt: skip
        targets = [("SQLite", f"sqlite:///{folder / 'engine.sqlite3'}")]
        if pg_url:
            targets.append(("PostgreSQL", pg_url))
        for name, url in targets:
            sub = folder / name
            sub.mkdir()
            target, drop = _fresh_database(url, sub)
            try:
                refused = sub / "refused.csv"
                command = [sys.executable, "-m", "crm_tui", "--db", target, "import",
                           str(source), "--refused", str(refused)]  # fmt: skip
                seconds, cpu, peak, out = run_process(command, env)
            finally:
                _drop(url, drop)
            speed = rows / seconds
            results.append({
                "measure": f"crm import {rows:,} rows ({name})", "seconds": round(seconds, 1),
                "rows_per_s": round(speed), "cpu_s": round(cpu, 1), "rows_per_cpu_s": round(rows / cpu),
                "peak_mb": round(peak), "x_validate_alone": round(speed / prepare, 2),
                "x_validate_cpu": round(rows / cpu / prepare_cpu, 2), "x_executemany": round(speed / plain, 3),
            })  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for row in results:
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    return results
