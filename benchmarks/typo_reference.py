"""Reference for the typo kind: the near-miss path as it was before the spelling index.

Then every one-edit variant of each query word (about 26 x 2 x length of
them) went ORed into one word-index match; now the spelling index narrows
them to the real words first (`ranking.near_miss_page`). `reference` times
the old path through the same service, in the same run, on the same
queries, so the typo row can show new / old as a ratio.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crm_tui.services.search import SearchFilters, SearchService
from crm_tui.services.search import service as service_module
from crm_tui.services.search.plan import Fetch, Reads
from crm_tui.services.search.query import Query, edits
from crm_tui.services.search.ranking import near_score, to_row
from crm_tui.services.search.values import Page


def ored_variants_page(reads: Reads, parsed: Query, limit: int) -> Page:
    """The near misses as found before the spelling index: all variants in one match."""
    if not parsed.words:
        return Page((), None, False)
    variants = tuple(tuple(sorted(edits(word))) for word in parsed.words)
    candidates = reads.run(Fetch("near", parsed, reads.sqlite, variants=variants))
    scored = [(s, row) for row in candidates if (s := near_score(parsed, row)) is not None]
    scored.sort(key=lambda item: (-item[0], item[1].sort_name or "", item[1].id))
    return Page(tuple(to_row(r, near_miss=True) for _s, r in scored[:limit]), None, False)


@contextmanager
def old_near_misses() -> Iterator[None]:
    """The service searches with the old near-miss path inside this block."""
    names = vars(service_module)
    current = names["near_miss_page"]
    names["near_miss_page"] = ored_variants_page
    try:
        yield
    finally:
        names["near_miss_page"] = current


def reference(
    service: SearchService, queries: list[str], timings: list[float], repeat: int
) -> dict[str, Any]:
    """The old path's p50/p95 on `queries`, and new / old ratios (`timings` are the new)."""
    from benchmarks.search_bench import _percentile  # search_bench imports this module

    old: list[float] = []
    for query in queries:
        new_page = service.search(query)
        with old_near_misses():
            service.search(query)  # warm-up
            for _ in range(repeat):
                started = time.perf_counter()
                page = service.search(query, SearchFilters())
                old.append((time.perf_counter() - started) * 1000)
            if page.rows != new_page.rows:
                raise AssertionError(f"the old path differs on {query!r}")
    old_p50, old_p95 = statistics.median(old), _percentile(old, 95)
    new_p50, new_p95 = statistics.median(timings), _percentile(timings, 95)
    return {
        "old_p50_ms": round(old_p50, 2),
        "old_p95_ms": round(old_p95, 2),
        "p50_ratio": round(new_p50 / old_p50, 2),
        "p95_ratio": round(new_p95 / old_p95, 2),
    }


def print_reference(row: dict[str, Any]) -> None:
    print(
        f"typo reference (all variants ORed, as before the spelling index), same queries: "
        f"p50 {row['old_p50_ms']:.2f} ms, p95 {row['old_p95_ms']:.2f} ms; "
        f"new / old: p50 {row['p50_ratio']:.2f}, p95 {row['p95_ratio']:.2f}"
    )
