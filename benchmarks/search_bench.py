"""Search latency in the service at scale: p50 and p95 per kind of query.

`run(db_url, customers)` opens (and migrates) the database at `db_url`. When
it holds no customers it is first filled with `customers` synthetic ones by
`fill()`: batched multi-row INSERTs of customer, customer_summary and
customer_search rows straight into the tables (no service calls, no history),
10,000 per transaction, so a million rows load in minutes, not hours. The
search index fills per batch through its triggers (SQLite) or GIN indexes
(PostgreSQL). The real demo data generator (`crm demo`) makes richer data;
this filler exists so the benchmark can run before it, and on any engine.

Queries are drawn from the data itself (seeded), so every kind of query has
real matches: 1, 2, 3 and 6 characters of names, phone fragments and full
numbers typed in national format, e-mail fragments, "first last" pairs and a
two-letter typo in a real name. Each query runs `repeat` times after one
warm-up; the figures are per call to `SearchService.search` (first page of
50 rows, default relevance order).

As a reference, the search-as-you-type queries also run through
`fzf --filter` over a text dump of the same customers (see
`benchmarks.fzf_reference`); each row then gets `fzf_p50_ms` and `ratio`
(service p50 / fzf p50: below 1, the service is faster). Rows without an fzf
counterpart (listings, sorted searches) get None in both. Skipped, with a
line saying so, when fzf is not installed or `fzf=False`.
"""

from __future__ import annotations

import random
import statistics
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from benchmarks.typo_reference import print_reference as print_typo_reference
from benchmarks.typo_reference import reference as typo_reference
from crm_tui.db import migrate
from crm_tui.db.engine import WRITE_OPTION, Database, make_engine
from crm_tui.models import format_number
from crm_tui.services.context import ServiceContext
from crm_tui.services.search import SearchFilters, SearchService, SortSpec
from crm_tui.services.search.document import normalize
from crm_tui.services.search.tables import CUSTOMER, DOCS, SUMMARY
from crm_tui.services.validation import text_key

BATCH = 10_000
STATUSES = ["active"] * 80 + ["inactive"] * 8 + ["prospect"] * 8 + ["churned"] * 3 + ["blocked"]
OWNERS = [None, "ana", "ben", "chloe", "dev"]
LOCALES = ["en_GB", "en_US", "pt_PT", "es_ES", "fr_FR", "de_DE"]


@dataclass(frozen=True)
class _Pools:
    first: list[str]
    last: list[str]
    company: list[str]
    domain: list[str]


def _pools(seed: int) -> _Pools:
    from faker import Faker

    fake = Faker(LOCALES)
    fake.seed_instance(seed)
    first = sorted({fake.first_name() for _ in range(6000)})
    last = sorted({fake.last_name() for _ in range(6000)})
    company = sorted({fake.company() for _ in range(6000)})
    domain = sorted({fake.free_email_domain() for _ in range(300)} | {"example.com"})
    return _Pools(first, last, company, domain)


def _ascii(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _rows(
    start_id: int, count: int, pools: _Pools, rng: random.Random
) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for cid in range(start_id, start_id + count):
        business = rng.random() < 0.2
        first = rng.choice(pools.first)
        last = rng.choice(pools.last)
        company = rng.choice(pools.company) if business else None
        email = f"{_ascii(first)}.{_ascii(last)}{cid}@{rng.choice(pools.domain)}"
        mobile = rng.random() < 0.7
        national = ("07" if mobile else "020") + "".join(
            rng.choice("0123456789") for _ in range(9 if mobile else 8)
        )
        e164 = "+44" + national[1:]
        parts = [company, last, first] if business else [last, first]
        created = now - timedelta(seconds=rng.randrange(5 * 365 * 86400))
        paid = 0 if rng.random() < 0.3 else rng.randrange(1, 25)
        ltv = (Decimal(paid * rng.randrange(500, 20000)) / 100).quantize(Decimal("0.01"))
        yield (
            {
                "id": cid,
                "kind": "business" if business else "individual",
                "status": rng.choice(STATUSES),
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "sort_name": text_key(" ".join(p for p in parts if p))[:400],
                "email": email,
                "email_key": text_key(email),
                "phone": e164,
                "phone_digits": e164[1:],
                "segment": rng.choice([None, None, "retail", "wholesale", "vip"]),
                "owner": rng.choice(OWNERS),
                "loyalty_points": 0,
                "contact_channels": "",
                "created_at": created,
                "updated_at": created,
                "version": 1,
            },
            {
                "customer_id": cid,
                "lifetime_value": ltv,
                "outstanding_balance": Decimal("0.00"),
                "paid_payments": paid,
                "active_subscriptions": rng.choice([0, 0, 0, 1, 1, 2, 3]) if paid else 0,
                "ended_subscriptions": 0,
                "active_monthly": Decimal("0.00"),
                "order_count": 0,
                "order_total": Decimal("0.00"),
                "last_purchase_at": (created + timedelta(days=rng.randrange(400)))
                if paid
                else None,
            },
            {
                "customer_id": cid,
                "doc": normalize(
                    " ".join(
                        p
                        for p in (
                            first,
                            last,
                            company,
                            email,
                            format_number(cid),
                            e164[1:],
                            national,
                        )
                        if p
                    )
                ),
            },
        )


def fill(engine: Engine, customers: int, *, seed: int = 7) -> None:
    """Insert `customers` synthetic customers (ids from max(id)+1) in batches."""
    rng = random.Random(seed)
    pools = _pools(seed)
    writer = engine.execution_options(**{WRITE_OPTION: True})
    with engine.connect() as conn:
        start = (conn.scalar(select(func.max(CUSTOMER.c.id))) or 0) + 1
    done = 0
    while done < customers:
        count = min(BATCH, customers - done)
        batch = list(_rows(start + done, count, pools, rng))
        with writer.begin() as conn:
            conn.execute(insert(CUSTOMER), [row[0] for row in batch])
            conn.execute(insert(SUMMARY), [row[1] for row in batch])
            conn.execute(insert(DOCS), [row[2] for row in batch])
        done += count
    with writer.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('customer', 'id'), max(id)) FROM customer"
                )
            )
    # Fresh statistics, as `crm demo` leaves them, so plans match real use.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with writer.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


@dataclass(frozen=True)
class _Case:
    kind: str
    queries: list[str]
    sort: SortSpec = SortSpec()


def _cases(engine: Engine, rng: random.Random) -> list[_Case]:
    """Queries drawn from real rows so that each kind has matches."""
    with engine.connect() as conn:
        last_id = conn.scalar(select(func.max(CUSTOMER.c.id))) or 0
        picked: list[Any] = []
        while len(picked) < 12:
            row = conn.execute(
                select(
                    CUSTOMER.c.first_name,
                    CUSTOMER.c.last_name,
                    CUSTOMER.c.email,
                    CUSTOMER.c.phone_digits,
                )
                .where(
                    CUSTOMER.c.id >= rng.randrange(1, last_id + 1), CUSTOMER.c.kind == "individual"
                )
                .order_by(CUSTOMER.c.id)
                .limit(1)
            ).first()
            # Single-word names, so a cut or a typo stays inside one word.
            if (
                row is not None
                and row.first_name
                and row.last_name
                and row.first_name.isalpha()
                and row.last_name.isalpha()
                and len(row.last_name) >= 6
            ):
                picked.append(row)
        # National format is only meaningful for numbers of the default region
        # (GB): a foreign number typed without its country code is another number.
        # Drawn with their own generator, so the other cases' queries stay as they were.
        uk_rng, uk_phones = random.Random(last_id), list[str]()
        for _ in range(10_000):
            if len(uk_phones) == 6:
                break
            digits = conn.scalar(
                select(CUSTOMER.c.phone_digits)
                .where(
                    CUSTOMER.c.id >= uk_rng.randrange(1, last_id + 1),
                    CUSTOMER.c.phone_digits.like("44%"),
                )
                .order_by(CUSTOMER.c.id)
                .limit(1)
            )
            if digits:
                uk_phones.append(digits)

    def cut(text_: str, size: int) -> str:
        folded = _ascii(text_)
        start = rng.randrange(0, max(1, len(folded) - size + 1))
        return folded[start : start + size]

    def typo(word: str) -> str:
        w = _ascii(word)
        i = rng.randrange(0, len(w) - 1)
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]

    return [
        _Case("1 char", [_ascii(r.last_name)[0] for r in picked[:6]]),
        _Case("2 chars", [_ascii(r.last_name)[:2] for r in picked[:6]]),
        _Case("3 chars", [cut(r.last_name, 3) for r in picked[:6]]),
        _Case("6 chars", [_ascii(r.last_name)[:6] for r in picked[:6]]),
        _Case("phone fragment", [r.phone_digits[-4:] for r in picked[:6]]),
        _Case("phone national", ["0" + digits[2:] for digits in uk_phones]),
        _Case("e-mail fragment", [r.email.split("@")[0][:8] for r in picked[:6]]),
        _Case("two words", [f"{r.first_name} {r.last_name}" for r in picked[:6]]),
        _Case("typo", [f"{typo(r.first_name)} {typo(r.last_name)}" for r in picked[6:12]]),
        # Not search-as-you-type, but on the same path: listing and sorted search.
        _Case("list by name", [""], SortSpec("name")),
        _Case("list by LTV desc", [""], SortSpec("lifetime_value", descending=True)),
        _Case("3 chars by name", [cut(r.last_name, 3) for r in picked[:6]], SortSpec("name")),
        _Case(
            "2 chars by LTV",
            [_ascii(r.last_name)[:2] for r in picked[:6]],
            SortSpec("lifetime_value", descending=True),
        ),
    ]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def run(
    db_url: str,
    customers: int = 100_000,
    *,
    repeat: int = 5,
    seed: int = 7,
    fzf: bool = True,
) -> list[dict[str, Any]]:
    """Measure `SearchService.search` latency per kind of query; print a table.

    Fills the database first (see `fill`) when it holds no customers. With
    `fzf`, adds the fzf reference (see the module docstring)."""
    engine = make_engine(db_url)
    migrate.ensure_current(engine)
    with engine.connect() as conn:
        present = conn.scalar(select(func.count()).select_from(CUSTOMER)) or 0
    if present == 0:
        started = time.perf_counter()
        fill(engine, customers, seed=seed)
        print(f"filled {customers:,} customers in {time.perf_counter() - started:.0f} s")
        present = customers
    service = SearchService(ServiceContext(db=Database(engine), actor="benchmark"))
    rng = random.Random(seed)
    results: list[dict[str, Any]] = []
    typo_timings: list[float] = []
    cases = [case for case in _cases(engine, rng) if case.queries]  # no GB phones: no case
    for case in cases:
        timings: list[float] = []
        rows = 0
        for query in case.queries:
            service.search(query, sort=case.sort)  # warm-up
            for _ in range(repeat):
                started = time.perf_counter()
                page = service.search(query, SearchFilters(), case.sort)
                timings.append((time.perf_counter() - started) * 1000)
            rows += len(page.rows)
        if case.kind == "typo":
            typo_timings = timings
        results.append(
            {
                "measure": f"search: {case.kind}",
                "example": case.queries[0],
                "n": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 95), 2),
                "rows": rows // len(case.queries),
                "engine": engine.dialect.name,
                "customers": present,
            }
        )
    typo = next((case for case in cases if case.kind == "typo"), None)
    old_typo = typo_reference(service, typo.queries, typo_timings, repeat) if typo else None
    references: list[dict[str, Any]] = []
    if fzf:
        # Imported here: fzf_reference imports this module.
        from benchmarks.fzf_reference import reference

        references = reference(engine, cases, repeat=repeat)
    engine.dispose()
    if references:
        by_kind = {row["kind"]: row for row in references}
        for case, result in zip(cases, results, strict=True):
            ref = by_kind.get(case.kind)
            result["fzf_p50_ms"] = ref["p50_ms"] if ref else None
            result["ratio"] = round(result["p50_ms"] / ref["p50_ms"], 2) if ref else None
    print_table(results)
    if old_typo:
        print_typo_reference(old_typo)
        next(r for r in results if r["measure"] == "search: typo").update(old_typo)
    if references:
        from benchmarks.fzf_reference import print_reference

        print_reference(references)
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    """Print the figures as a fixed-width table."""
    if not results:
        return
    first = results[0]
    print(f"search latency, {first['engine']}, {first['customers']:,} customers")
    fzf = "fzf_p50_ms" in first
    header = f"{'measure':<24} {'example':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5}"
    if fzf:
        header += f" {'fzf p50':>8} {'ratio':>6}"
    print(header)
    for row in results:
        example = str(row["example"])[:24]
        line = (
            f"{row['measure']:<24} {example:<24} {row['n']:>4} "
            f"{row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['rows']:>5}"
        )
        if fzf:
            ref, ratio = row.get("fzf_p50_ms"), row.get("ratio")
            line += f" {ref:>8.2f} {ratio:>6.2f}" if ref is not None else f" {'-':>8} {'-':>6}"
        print(line)
