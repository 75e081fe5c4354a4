"""Issue #21's bulk figures in one command: import, demo build, dashboard and segments, export.

    psql -h 127.0.0.1 -U postgres -c "create database crm_bulk"
    nice python -m benchmarks bulk --customers 1000000 \
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/crm_bulk

In this order, each with its references and peak memory:
1. `crm import` of a `--rows` CSV as whole processes on fresh databases, SQLite and
   (with --pg) PostgreSQL, on the --pg server (import_bench); first, while this
   process is small: a child's peak memory counts its parent's at the fork;
2. the demo database of `--customers` customers on each engine (the SQLite file under
   .benchdata/, the --pg database), each built in a process of its own: its time,
   phases, rows/s against a plain-insert reference, and peak memory (the largest of
   the builder and its drawing process); "reused" when it is there already;
3. on each demo database: every dynamic segment count and dashboard panel, all
   panels at once, the dashboard screen's first paint (segments_bench);
4. the CSV export of every customer of each demo database, against a raw cursor
   and csv.writer measured in the same run (import_export_bench, CSV only).
"""

from __future__ import annotations

import json
import os
import sys

from benchmarks import import_bench, import_export_bench, segments_bench
from benchmarks.common import print_table

BUILD = """
import json, sys
from benchmarks.common import ensure_demo_database
print(json.dumps(ensure_demo_database(sys.argv[1], int(sys.argv[2]))))
"""


def run(targets: list[tuple[str, str]], pg_url: str | None, *, customers: int, rows: int) -> None:
    """Measure and print every table; `targets` are (engine name, demo database URL)."""
    print_table(f"import of {rows:,} rows", import_bench.run(pg_url, rows=rows))
    for engine_name, url in targets:
        command = [sys.executable, "-c", BUILD, url, str(customers)]
        _, cpu, peak, out = import_bench.run_process(command, dict(os.environ))
        built = json.loads(out.strip().splitlines()[-1])
        if "seconds" in built:
            built.update(cpu_s=round(cpu, 1), peak_mb=round(peak))
        print_table(f"demo data on {engine_name}", [built])
    for engine_name, url in targets:
        segments_bench.run(url, customers=customers)  # prints its own table
        print_table(
            f"CSV export on {engine_name} ({customers:,} customers)",
            import_export_bench.run(
                url, rows=rows, scan=False, formats=("csv",), with_import=False, one_process=False
            ),
        )
