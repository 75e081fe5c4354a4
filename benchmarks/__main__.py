"""One entry point for every benchmark: `python -m benchmarks all --customers 100000`.

Builds (or reuses) a demo database under .benchdata/, runs each measurement
several times and prints tables of medians and p95. `--pg URL` also runs the
database measurements on PostgreSQL (the database is filled the first time).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

from benchmarks.common import ensure_demo_database, print_table, sqlite_bench_url
from crm_tui.config import to_database_url

SUITES: dict[str, tuple[str, str]] = {
    # name: (module, description)
    "startup": ("benchmarks.startup_bench", "cold start of crm --help, crm show and the app"),
    "search": ("benchmarks.search_bench", "search latency per kind of query"),
    "lookup": ("benchmarks.lookup_bench", "crm lookup / crm show as whole processes"),
    "detail": ("benchmarks.detail_bench", "customer detail open and tab switch"),
    "list": ("benchmarks.list_bench", "keystroke to repainted list, app open, memory"),
    "quick-add": ("benchmarks.quick_add_bench", "quick add keys and save-to-screen time"),
    "segments": ("benchmarks.segments_bench", "dynamic segment count and dashboard load"),
    "import-export": ("benchmarks.import_export_bench", "import rows/s, export time and memory"),
    "import": (
        "benchmarks.import_bench",
        "crm import rows/s as processes, SQLite and --pg, with references",
    ),
    "storm": ("benchmarks.reliability.storm", "8 clerks x 500 edits at once: writes/s, p50/p99"),
    "crash": ("benchmarks.reliability.crash", "300 kill -9s and a 100k import killed, all checked"),
    "cards": ("benchmarks.cards_bench", "card-number detector recall and false positives"),
    "invoices": ("benchmarks.invoices_bench", "billing run invoices/s, reminders to the outbox/s"),
    "team": ("benchmarks.team_bench", "N clerks with their own logins on PostgreSQL (--pg only)"),
}


def _runner(name: str) -> Callable[..., list[dict[str, Any]]] | None:
    module_name, _ = SUITES[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    run: Callable[..., list[dict[str, Any]]] = module.run
    return run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "suite",
        choices=["all", "demo", "bulk", *SUITES],
        help="what to measure (bulk: issue "
        "#21's demo build, import, dashboard, segments and CSV export, in one run)",
    )
    parser.add_argument(
        "--customers", type=int, default=100_000, help="size of the generated database"
    )
    parser.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL database")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="lookup and startup only: measure this existing database (never filled) "
        "instead of the generated one",
    )
    parser.add_argument("--clerks", type=int, default=20, help="team: clerk processes")
    parser.add_argument("--seconds", type=float, default=300.0, help="team: length of the run")
    parser.add_argument("--think-ms", type=float, default=100.0, help="team: mean pause per op")
    parser.add_argument("--rows", type=int, default=50_000, help="import: rows in the CSV")
    args = parser.parse_args()
    if args.suite == "import":  # fresh databases of its own on each engine; no demo file
        from benchmarks.import_bench import run as run_import

        print_table(f"import of {args.rows:,} rows", run_import(args.pg, rows=args.rows))
        return
    if args.suite == "team":  # its own throwaway database on the --pg server; no demo file
        from benchmarks.team_bench import run as run_team

        if not args.pg:
            parser.error("team needs --pg URL (a PostgreSQL server it may create databases on)")
        tables = run_team(args.pg, seconds=args.seconds, clerks=args.clerks,
                          think_ms=args.think_ms)  # fmt: skip
        for title, rows in tables:
            print_table(f"team on PostgreSQL: {title}", rows)
        return

    if args.db and args.suite not in ("lookup", "startup"):
        parser.error("--db is for the lookup and startup suites, which only read the database")
    sqlite_url = to_database_url(args.db) if args.db else sqlite_bench_url(args.customers)
    # --db may name a PostgreSQL database too (lookup): it is measured as it is.
    first_engine = "PostgreSQL" if sqlite_url.startswith("postgresql") else "SQLite"
    targets = [(first_engine, sqlite_url)]
    if args.pg:
        targets.append(("PostgreSQL", args.pg))
    if args.suite == "bulk":
        from benchmarks.bulk_bench import run as run_bulk

        run_bulk(targets, args.pg, customers=args.customers, rows=args.rows)
        return
    for engine_name, url in targets:
        if args.db and url == sqlite_url:
            print(f"existing database: {url}")
        else:
            print_table(f"demo data on {engine_name}", [ensure_demo_database(url, args.customers)])
        if args.suite == "demo":
            continue
        names = (
            [n for n in SUITES if n not in ("team", "import")]
            if args.suite == "all"
            else [args.suite]
        )
        for name in names:
            run = _runner(name)
            if run is None:
                print(f"({name}: not built yet)")
                continue
            if engine_name != "SQLite" and name in ("startup", "quick-add", "list"):
                continue
            size = (
                "existing database"
                if args.db and url == sqlite_url
                else (f"{args.customers:,} customers")
            )
            print_table(f"{name} on {engine_name} ({size})", run(url))


if __name__ == "__main__":
    main()
