"""Import rows/s, export time and memory, duplicate-scan time.

`run(db_url)`:
- import: a generated CSV of `rows` customers (Shopify-like columns, valid
  e-mails and phones, about 1 in 50 rows refused on purpose) is imported with
  validation into a fresh, migrated database on the same engine as `db_url`
  (a temporary SQLite file, or a new PostgreSQL database on the same server);
- export: every customer of `db_url` is exported to CSV (and JSON and XLSX up to
  100,000 customers), each against a reference measured in the same run: the
  customers' own columns and figures streamed from a raw DB-API cursor into
  csv.writer (x_reference: the export's time over the reference's; peak memory
  likewise, anonymous RSS, so SQLite's mapped file pages do not count, of the
  export and its helper process together; cpu_s: CPU time of both). A CSV of
  SPLIT_FROM customers or more is made on two processes; it is also timed in
  one (`export-one-process`);
- scan: the duplicate-group scan over `db_url`.
Each import and export runs in its own process, so its peak RSS is its own.

    python -m benchmarks import-export --customers 1000000 --pg postgresql+psycopg://...
    python -c "from benchmarks.import_export_bench import run; run('sqlite:///big.sqlite3')"
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import DATA_DIR
from crm_tui.services.exports.service import SPLIT_FROM

FIRST = ["Ana", "Ben", "Chloé", "David", "Emma", "Farah", "George", "Hana", "Ivan", "José",
         "Kate", "Liam", "Maria", "Noah", "Olga", "Pedro", "Quinn", "Rita", "Sam", "Tomás"]  # fmt: skip
LAST = ["Lima", "Smith", "Dubois", "Müller", "Rossi", "Okafor", "Walsh", "Costa", "Nowak",
        "Jensen", "Silva", "Brown", "García", "Khan", "Ivanova", "Hughes", "Moreau", "Ode"]  # fmt: skip
CITIES = ["London", "Leeds", "Lisboa", "Porto", "Berlin", "Paris", "Madrid", "Dublin"]


def make_csv(path: Path, rows: int, seed: int = 3) -> Path:
    """A Shopify-shaped customers CSV; reused when it exists."""
    if path.exists():
        return path
    rng = random.Random(seed)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Customer ID,First Name,Last Name,Email,Accepts Email Marketing,"
                     "Default Address Company,Default Address Address1,Default Address City,"
                     "Default Address Country Code,Default Address Zip,Phone,Tags,Note\n")  # fmt: skip
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first.lower()}.{i}@example.com" if i % 50 else "broken@"
            phone = f"+447{400000000 + i:09d}" if i % 3 else ""
            company = f"Firm {i % 997} Ltd" if i % 4 == 0 else ""
            tags = rng.choice(["", "vip", "newsletter", "vip, newsletter"])
            handle.write(f"{i},{first},{last},{email},{rng.choice(['yes', 'no'])},{company},"
                         f"{i} High Street,{rng.choice(CITIES)},GB,AB1 {i % 9}CD,{phone},\"{tags}\",\n")  # fmt: skip
    tmp.rename(path)
    return path


def _fresh_database(db_url: str, folder: Path) -> tuple[str, str | None]:
    """A new migrated database on the engine of `db_url`; (url, name to drop)."""
    from crm_tui.db import migrate
    from crm_tui.db.engine import make_engine

    url = make_url(db_url)
    drop = None
    if url.get_backend_name() == "sqlite":
        target = f"sqlite:///{folder / 'import.sqlite3'}"
    else:
        drop = f"crm_import_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{drop}"'))
        admin.dispose()
        target = url.set(database=drop).render_as_string(hide_password=False)
    engine = make_engine(target)
    migrate.upgrade(engine)
    engine.dispose()
    return target, drop


def _drop(db_url: str, name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(make_url(db_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _anon_mb() -> float:
    """Resident memory that is not mapped files (SQLite's mmap pages are file-backed), of
    this process and its children (the CSV export's helper process) together."""
    pids = ["self"]
    try:
        for task in Path("/proc/self/task").iterdir():
            pids += (task / "children").read_text().split()
    except OSError:
        pass
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass  # a child that just ended
    return total


def _cpu_seconds() -> float:
    """CPU time of this process and its ended children (the export's helper)."""
    own, ended = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def _child(action: str, db_url: str, path: str) -> None:
    """Runs in a subprocess: one import or export, then prints figures as JSON."""
    import threading

    from crm_tui.config import Settings
    from crm_tui.services.registry import open_services

    peak_anon = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak_anon[0] = max(peak_anon[0], _anon_mb())

    threading.Thread(target=sample, daemon=True).start()

    services = open_services(Settings(database_url=db_url, clerk="bench"))
    started, cpu, own = time.perf_counter(), _cpu_seconds(), time.process_time()
    out: dict[str, Any]
    if action == "import":
        from crm_tui.services.imports.service import ImportService

        summary = ImportService(services.ctx).run(
            path, refused_path=Path(path).with_suffix(".refused.csv")
        )
        out = {"rows": summary.rows, "created": summary.created, "refused": summary.refused}
    elif action == "reference":
        out = {"rows": _reference_csv(services, path)}
    else:
        from crm_tui.services.exports.service import ExportService

        split_from = sys.maxsize if action == "export-one-process" else SPLIT_FROM
        result = ExportService(services.ctx).export(path, overwrite=True, split_from=split_from)
        out = {"rows": result.rows}
    out["seconds"] = time.perf_counter() - started
    out["cpu_s"] = _cpu_seconds() - cpu
    out["cpu_own_s"] = time.process_time() - own  # without the helper's
    done.set()
    # Peak RSS of this process plus the largest child's (they run at the same time).
    out["peak_mb"] = sum(resource.getrusage(who).ru_maxrss
                         for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024  # fmt: skip
    out["peak_anon_mb"] = max(peak_anon[0], _anon_mb())
    services.close()
    print(json.dumps(out))


REFERENCE_SQL = (
    "SELECT c.*, s.* FROM customer c LEFT JOIN customer_summary s ON s.customer_id = c.id "
    "WHERE c.erased_at IS NULL AND c.status != 'merged' ORDER BY c.id"
)


def _reference_csv(services: Any, path: str) -> int:
    """What the machine does with no exporter: the customers' own columns and figures
    (no children, no formatting) streamed from the raw DB-API cursor (fetchmany;
    a server-side cursor on PostgreSQL) into csv.writer."""
    import csv

    engine = services.ctx.db.engine
    raw = engine.raw_connection()
    try:
        sqlite = engine.dialect.name == "sqlite"
        cursor = raw.cursor() if sqlite else raw.driver_connection.cursor(name="reference")
        cursor.execute(REFERENCE_SQL)
        rows = 0
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            while batch := cursor.fetchmany(5_000):
                writer.writerows(batch)
                rows += len(batch)
        cursor.close()
    finally:
        raw.close()
    return rows


def _customers(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM customer")) or 0)
    finally:
        engine.dispose()


def _in_process(action: str, db_url: str, path: Path) -> dict[str, Any]:
    code = f"from benchmarks.import_export_bench import _child; _child({action!r}, {db_url!r}, {str(path)!r})"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            done.stderr.strip().splitlines()[-1] if done.stderr else "benchmark child failed"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _import(db_url: str, rows: int, folder: Path, engine: str) -> dict[str, Any]:
    """The import of the `rows`-row CSV into a fresh database on `db_url`'s engine, in a
    process."""
    source = make_csv(DATA_DIR / f"import-{rows}.csv", rows)
    target, drop = _fresh_database(db_url, folder)
    try:
        figures = _in_process("import", target, source)
    finally:
        _drop(db_url, drop)
    return {
        "measure": f"import {rows:,}-row CSV ({engine})", "seconds": round(figures["seconds"], 1),
        "rows_per_s": round(figures["rows"] / figures["seconds"]), "peak_mb": round(figures["peak_mb"]),
        "peak_anon_mb": round(figures["peak_anon_mb"]), "created": figures["created"], "refused": figures["refused"],
    }  # fmt: skip


def run(
    db_url: str,
    rows: int = 100_000,
    repeat: int = 3,
    scan: bool = True,
    formats: tuple[str, ...] | None = None,
    *,
    with_import: bool = True,
    one_process: bool = True,
) -> list[dict[str, Any]]:
    """Measure and print; returns the table rows. `formats`: the export formats timed
    (default CSV, and JSON and XLSX too up to 100,000 customers: the general exporter
    writes those at a few thousand customers a second). `with_import=False` leaves the
    import out; `one_process=False` leaves out the one-process timing of a large CSV."""
    engine = make_url(db_url).get_backend_name()
    DATA_DIR.mkdir(exist_ok=True)
    results: list[dict[str, Any]] = []
    if engine == "postgresql":
        # A database just filled in bulk may not be analysed by autovacuum yet; with
        # no statistics the planner takes the customer table for tiny (seq scans).
        analyse = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with analyse.connect() as conn:
            conn.execute(text("ANALYZE"))
        analyse.dispose()
    if formats is None:
        formats = ("csv", "json", "xlsx") if _customers(db_url) <= 100_000 else ("csv",)
    folder = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    try:
        if with_import:
            results.append(_import(db_url, rows, folder, engine))
        reference = _in_process("reference", db_url, folder / "reference.csv")
        results.append({
            "measure": f"reference: raw cursor + csv.writer, {reference['rows']:,} customers' own columns ({engine})",
            "seconds": round(reference["seconds"], 1), "cpu_s": round(reference["cpu_s"], 1),
            "rows_per_s": round(reference["rows"] / reference["seconds"]),
            "peak_mb": round(reference["peak_mb"]), "peak_anon_mb": round(reference["peak_anon_mb"]),
            "file_mb": round((folder / "reference.csv").stat().st_size / 1024**2),
        })  # fmt: skip
        # A CSV of SPLIT_FROM customers or more is made on two processes; also timed in one.
        large = one_process and _customers(db_url) >= SPLIT_FROM
        one = ("export-one-process", ", one process") if large else None
        runs = [(fmt, ("export", "")) for fmt in formats]
        runs += [("csv", one)] if one and "csv" in formats else []
        for fmt, (action, how) in runs:
            out = folder / f"export.{fmt}"
            figures = _in_process(action, db_url, out)
            results.append({
                "measure": f"export {figures['rows']:,} customers to {fmt.upper()}{how} ({engine})",
                "seconds": round(figures["seconds"], 1), "cpu_s": round(figures["cpu_s"], 1),
                "rows_per_s": round(figures["rows"] / figures["seconds"]),
                "peak_mb": round(figures["peak_mb"]), "peak_anon_mb": round(figures["peak_anon_mb"]),
                "file_mb": round(out.stat().st_size / 1024**2),
                "x_reference": round(figures["seconds"] / reference["seconds"], 2),
                "anon_mb_x_reference": round(figures["peak_anon_mb"] / max(1.0, reference["peak_anon_mb"]), 2),
            })  # fmt: skip
            out.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if scan:
        from crm_tui.config import Settings
        from crm_tui.services.merge.service import MergeService
        from crm_tui.services.registry import open_services

        services = open_services(Settings(database_url=db_url, clerk="bench"))
        try:
            times, groups = [], 0
            for _ in range(repeat):
                result = MergeService(services.ctx).find_groups()
                times.append(result.seconds)
                groups = len(result.groups)
            customers = services.customers.count()
        finally:
            services.close()
        results.append({
            "measure": f"duplicate-group scan over {customers:,} customers ({engine})",
            "seconds": round(statistics.median(times), 2), "p95_s": round(max(times), 2), "groups": groups,
        })  # fmt: skip
    for row in results:
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    return results
