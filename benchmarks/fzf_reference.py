"""fzf as a yardstick: the search benchmark's queries run through `fzf --filter`.

The service figures alone say little ("4 ms" - good or bad?), so the search
benchmark also times the same queries against a tool everyone knows: fzf
filtering a plain-text dump of the same customers. The ratio service p50 /
fzf p50 is then the figure to read (below 1: the service is faster).

The dump. One line per customer that the default search shows (merged
customers are left out, as `SearchFilters()` leaves them out), in id order:
number (`C-000123`), first and last name, company, e-mail and phone (as
stored, E.164), tab-separated. It is read with a streamed query (server-side
cursor on PostgreSQL), never loaded into a list, and written once to a
temporary file next to its final place, then renamed into
`.benchdata/fzf-dump-<engine>-<db>-<count>-<max id>.txt`; `<db>` is a short
hash of the database URL (password hidden), so two databases of the same
size never share a dump. A later run with the same key reuses the file (a
million customers make ~100 MB). Edits that keep the count and the highest
id are not seen; delete the file to force a new dump.

The timing. Each query is one whole `fzf --filter QUERY` process with the
dump as stdin and stdout piped, timed from start until fzf has written all of
its output and exited, with that output read in full: the time to the
complete answer, which is what a search box needs. fzf sorts by score (its
default; `--no-sort` is not used) because that is the fair counterpart of
the service's relevance order. Each query runs once untimed (which also puts
the dump in the page cache), then `repeat` times, as the service measurement
does. FZF_DEFAULT_OPTS is dropped from fzf's environment so a user's options
cannot change the figures.

Only search-as-you-type cases are measured: the listings (query "") and the
sorted variants have no fzf counterpart. Mind what is and is not the same:
- fzf's default match is fuzzy (the query's characters in order, anywhere in
  the line), the service's is substring / word-start; so fzf usually matches
  more lines, and the counts are reported side by side, not compared. The
  typo case is kept: fzf is fuzzy by nature, but a swapped pair of letters is
  not a subsequence of the right spelling, so fzf finds it only when the
  swapped letter recurs later in the line (in the e-mail, say), and often
  finds nothing or someone else. The national phone form (`07...`) has no
  exact counterpart in the dump either; fzf may still match it as a
  subsequence, taking the leading 0 from the customer number.
- fzf's figure counts all matches written out; the service returns the first
  page of 50 rows. That is the comparison asked for: each tool's complete
  answer to the search box.
- fzf is smart-case: a query with a capital letter ("two words") is matched
  case-sensitively, which suits those queries since they are names as stored.
- fzf's matcher runs on all CPUs; the service's query on one.
When fzf is not installed the reference is skipped with one sentence, and the
search benchmark runs as before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from benchmarks.common import DATA_DIR
from benchmarks.search_bench import _Case, _percentile
from crm_tui.models import format_number
from crm_tui.models.enums import CustomerStatus
from crm_tui.services.search.tables import CUSTOMER

YIELD_PER = 5_000  # rows per fetch of the streamed dump query
_CLEAN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


@dataclass(frozen=True)
class Dump:
    """The text file fzf reads: `lines` customers, one per line."""

    path: Path
    lines: int
    reused: bool


def measured(case: _Case) -> bool:
    """Whether a case is search-as-you-type (has a query, relevance order)."""
    return all(case.queries) and case.sort.key == "relevance"


def dump_customers(engine: Engine, cache_dir: Path = DATA_DIR) -> Dump:
    """Write (or reuse) the dump of the customers in `engine`'s database."""
    visible = CUSTOMER.c.status != CustomerStatus.MERGED.value
    with engine.connect() as conn:
        count, max_id = conn.execute(
            select(func.count(), func.max(CUSTOMER.c.id)).where(visible)
        ).one()
    url = engine.url.render_as_string(hide_password=True)
    db = hashlib.sha256(url.encode()).hexdigest()[:10]
    prefix = f"fzf-dump-{engine.dialect.name}-{db}-"
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{prefix}{count}-{max_id or 0}.txt"
    if path.is_file():
        return Dump(path, count, reused=True)

    query = (
        select(
            CUSTOMER.c.id,
            CUSTOMER.c.first_name,
            CUSTOMER.c.last_name,
            CUSTOMER.c.company_name,
            CUSTOMER.c.email,
            CUSTOMER.c.phone,
        )
        .where(visible)
        .order_by(CUSTOMER.c.id)
    )
    fd, tmp_name = tempfile.mkstemp(prefix=".fzf-dump-", suffix=".tmp", dir=cache_dir)
    tmp = Path(tmp_name)
    lines = 0
    try:
        with (
            os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out,
            engine.connect() as conn,
        ):
            result = conn.execution_options(yield_per=YIELD_PER).execute(query)
            for cid, first, last, company, email, phone in result:
                name = " ".join(part for part in (first, last) if part)
                fields = (format_number(cid), name, company or "", email or "", phone or "")
                out.write("\t".join(field.translate(_CLEAN) for field in fields) + "\n")
                lines += 1
        tmp.chmod(0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # Older dumps of this database (before it grew) are dead weight.
    for old in cache_dir.glob(f"{prefix}*.txt"):
        if old != path:
            old.unlink(missing_ok=True)
    return Dump(path, lines, reused=False)


def _fzf_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "FZF_DEFAULT_OPTS"}


def run_fzf(fzf: str, dump: Path, query: str) -> tuple[float, int]:
    """One `fzf --filter QUERY` over `dump`: milliseconds to its full output, matches."""
    with dump.open("rb") as stdin:
        started = time.perf_counter()
        done = subprocess.run(
            [fzf, "--filter", query],
            stdin=stdin,
            capture_output=True,
            env=_fzf_env(),
            check=False,
        )
        elapsed = (time.perf_counter() - started) * 1000
    if done.returncode not in (0, 1):  # 1: no match
        raise RuntimeError(
            f"fzf --filter {query!r} failed ({done.returncode}): "
            f"{done.stderr.decode(errors='replace').strip()}"
        )
    return elapsed, done.stdout.count(b"\n")


def reference(
    engine: Engine,
    cases: Sequence[_Case],
    *,
    repeat: int = 5,
    cache_dir: Path = DATA_DIR,
) -> list[dict[str, Any]]:
    """Time the search-as-you-type `cases` through fzf; one row per case.

    Rows: kind, example, n, p50_ms, p95_ms, matches (mean per query), lines
    (customers in the dump). Empty when fzf is not installed."""
    fzf = shutil.which("fzf")
    if fzf is None:
        print("fzf reference skipped: fzf is not installed (no fzf on PATH).")
        return []
    wanted = [case for case in cases if measured(case)]
    if not wanted:
        return []
    started = time.perf_counter()
    dump = dump_customers(engine, cache_dir)
    how = "reused" if dump.reused else f"written in {time.perf_counter() - started:.1f} s"
    size = dump.path.stat().st_size / 1e6
    print(f"fzf reference: {dump.lines:,} customers, {size:.1f} MB dump {how}: {dump.path}")
    rows: list[dict[str, Any]] = []
    for case in wanted:
        timings: list[float] = []
        matches = 0
        for query in case.queries:
            run_fzf(fzf, dump.path, query)  # warm-up
            for _ in range(repeat):
                elapsed, found = run_fzf(fzf, dump.path, query)
                timings.append(elapsed)
            matches += found
        rows.append(
            {
                "kind": case.kind,
                "example": case.queries[0],
                "n": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 95), 2),
                "matches": matches // len(case.queries),
                "lines": dump.lines,
            }
        )
    return rows


def print_reference(rows: list[dict[str, Any]]) -> None:
    """Print the fzf figures as a fixed-width table."""
    if not rows:
        return
    print(f"fzf --filter over the dump ({rows[0]['lines']:,} lines), whole process")
    print(f"{'kind':<24} {'example':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'matches':>8}")
    for row in rows:
        example = str(row["example"])[:24]
        print(
            f"{row['kind']:<24} {example:<24} {row['n']:>4} "
            f"{row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['matches']:>8}"
        )
