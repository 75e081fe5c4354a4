"""Shared benchmark helpers: timing, percentiles, the generated database, tables."""

from __future__ import annotations

import compileall
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / ".benchdata"


def compile_sources() -> None:
    """Write crm_tui's .pyc files before whole processes are timed, as pip does when it
    installs crm (a user's first run writes them too). From a source checkout under
    PYTHONDONTWRITEBYTECODE nothing writes them, and every timed `crm` compiled each
    module it imported: about 48 ms of one `crm lookup`'s CPU."""
    import crm_tui

    compileall.compile_dir(Path(crm_tui.__file__).parent, quiet=1)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> list[float]:
    """Milliseconds per call, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary_row(name: str, samples: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "measure": name,
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        **extra,
    }


def sqlite_bench_url(customers: int) -> str:
    DATA_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{DATA_DIR / f'demo-{customers}.sqlite3'}"


def ensure_demo_database(db_url: str, customers: int, seed: int = 42) -> dict[str, Any]:
    """Fill `db_url` with `customers` demo customers unless it already has them."""
    from crm_tui.config import Settings
    from crm_tui.services.demo.builder import DemoBuilder
    from crm_tui.services.demo.new_database import build_new_database, new_database_path
    from crm_tui.services.registry import open_services

    settings = Settings(database_url=db_url, clerk="bench")
    steps = Steps()
    new_file = new_database_path(settings)
    if new_file is not None:  # as `crm demo` builds a new file: beside it, then put in place
        have = 0
        result = build_new_database(settings, new_file, customers, seed=seed, phase=steps.begin)
    else:
        services = open_services(settings)
        try:
            have = services.customers.count()
            if have >= customers:
                return {"measure": "demo data (reused)", "customers": have}
            builder = DemoBuilder(services.ctx, seed=seed)
            result = builder.run(customers - have, phase=steps.begin)
        finally:
            services.close()
    steps.begin("")
    seconds = time.perf_counter() - steps.started
    reference = reference_inserts(result.rows)
    return {
        "measure": f"crm demo --customers {customers - have}"
        + (" (new file)" if new_file is not None else ""),
        "seconds": round(seconds, 1),
        "load_s": round(seconds - sum(steps.seconds.values()), 1),
        **{f"{name}_s": round(took, 1) for name, took in steps.seconds.items()},
        "rows": result.rows,
        "rows_per_s": round(result.rows / seconds),
        "customers_per_s": round(result.customers / seconds),
        "reference_s": round(reference, 1),
        "x_reference": round(seconds / reference, 1),
    }


class Steps:
    """Seconds spent in each step the demo names after its load (indexes, invoices, ...);
    the load is what is left of the whole (opening and migrating the database included)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self._current = ("", 0.0)

    def begin(self, words: str) -> None:
        now = time.perf_counter()
        name, started = self._current
        if name:
            self.seconds[name] = now - started
        self._current = (words.split()[-1].lower() if words else "", now)


def reference_inserts(rows: int, batch: int = 36_000) -> float:
    """Seconds for plain sqlite3 to store `rows` rows of five columns (an integer key, two
    texts, an integer and a real; no index, no trigger) by executemany, a transaction per
    `batch` (a demo batch's worth) in a fresh WAL file: the floor a demo build is set against."""
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crm-bench-ref-", dir=DATA_DIR) as folder:
        conn = sqlite3.connect(Path(folder) / "reference.sqlite3", isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c INTEGER, d REAL)"
            )
            started = time.perf_counter()
            for first in range(0, rows, batch):
                values = [
                    (i, f"name {i}", f"person.{i}@example.com", i % 97, i * 0.5)
                    for i in range(first + 1, min(rows, first + batch) + 1)
                ]
                conn.execute("BEGIN")
                conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", values)
                conn.execute("COMMIT")
            return time.perf_counter() - started
        finally:
            conn.close()


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not rows:
        return
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column == "measure" else "right")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console(width=160).print(table)


def sample_individuals(db_url: str, count: int, *, min_last_name: int) -> list[Any]:
    """`count` real individuals from the middle of the table, with an e-mail, a phone and a
    last name of at least `min_last_name` characters: rows of id, last_name, email, phone_digits."""
    from sqlalchemy import text

    from crm_tui.db.engine import make_engine

    engine = make_engine(db_url, read_only=True)
    try:
        with engine.connect() as conn:
            middle = (conn.scalar(text("SELECT max(id) FROM customer")) or 0) // 2
            return list(
                conn.execute(
                    text(
                        "SELECT id, last_name, email, phone_digits FROM customer "
                        "WHERE kind = 'individual' AND email IS NOT NULL "
                        "AND phone_digits IS NOT NULL AND length(last_name) >= :min_len "
                        "AND id >= :middle ORDER BY id LIMIT :count"
                    ),
                    {"middle": middle, "min_len": min_last_name, "count": count},
                ).all()
            )
    finally:
        engine.dispose()
