"""Relevance order and near misses over rows fetched by either runner (see `plan`).

Relevance: a bounded candidate window ranked in Python, then index order.
The window is the exact e-mail / phone / number hits plus the first
RANK_WINDOW matches in index order, ranked exact, then names starting with
the query, then name words starting with it, then the rest. Later matches
follow in index order; ranking every match of a short query would cost
hundreds of milliseconds at a million rows.

Near misses: when nothing matches, each word's one-edit variants are looked
up in the spelling index (`search_word`, the distinct words of the
documents), which leaves a handful of real words per query word; only those
go to the word index as whole words, the bounded candidate set is scored
with rapidfuzz, and close ones come back marked `near_miss`.

Standard library only (rapidfuzz when scoring near misses): the lean read
path of `crm lookup` runs this module without SQLAlchemy.
"""

from __future__ import annotations

import re

from crm_tui.naming import display_name, format_number
from crm_tui.services.search import limits
from crm_tui.services.search.plan import Fetch, Reads, RowLike, in_index_order
from crm_tui.services.search.query import Query, edits, fold
from crm_tui.services.search.values import Cursor, CustomerRow, Page

Picked = list[tuple[Cursor, RowLike]]


def to_row(row: RowLike, near_miss: bool = False) -> CustomerRow:
    """A fetched row of ROW_COLUMNS as the plain value the list shows."""
    return CustomerRow(
        id=row.id,
        number=format_number(row.id),
        display_name=display_name(row.kind, row.first_name, row.last_name, row.company_name),
        kind=row.kind,
        status=row.status,
        email=row.email,
        phone=row.phone,
        company_name=row.company_name,
        lifetime_value=row.lifetime_value,
        active_subscriptions=row.active_subscriptions,
        created_at=row.created_at,
        last_purchase_at=row.last_purchase_at,
        near_miss=near_miss,
        outstanding_balance=row.outstanding_balance,
        oldest_due=row.oldest_due,
    )


def first_page(reads: Reads, parsed: Query, limit: int) -> Page:
    """The first window in relevance order; near misses when nothing matches."""
    if not parsed.terms:
        return Page((), None, False)
    page = relevance_page(reads, parsed, None, limit, False)
    return page if page.rows else near_miss_page(reads, parsed, limit)


def tier(parsed: Query, row: RowLike) -> int:
    """0 exact e-mail/phone/number, 1 a name starts with the query, 2 a name
    word starts with it, 3 anything else (inside an e-mail, phone...)."""
    if (
        row.id == parsed.customer_id
        or (parsed.email_key is not None and row.email_key == parsed.email_key)
        or (parsed.phone_digits is not None and row.phone_digits == parsed.phone_digits)
    ):
        return 0
    first, last, company = (fold(v) for v in (row.first_name, row.last_name, row.company_name))
    names = [n for n in (first, last, company, f"{first} {last}", f"{last} {first}") if n.strip()]
    if any(name.startswith(parsed.text) for name in names):
        return 1
    if any(f" {parsed.text}" in f" {name}" for name in names):
        return 2
    return 3


def _exact_rows(reads: Reads, parsed: Query) -> list[RowLike]:
    """Exact hits are matches too (their doc holds the e-mail, phone and
    number), found by their own indexes wherever they sit in index order."""
    if parsed.customer_id is None and parsed.email_key is None and parsed.phone_digits is None:
        return []
    return reads.run(Fetch("exact", parsed, reads.sqlite))


def relevance_page(
    reads: Reads, parsed: Query, after: Cursor | None, limit: int, descending: bool
) -> Page:
    """Best first whatever `descending` says (it only tags the cursor).

    Order: the ranked window, then every later match in index order. The
    cursor keeps the window's last id (`boundary`) so each page sees the
    same window."""
    exact_rows = _exact_rows(reads, parsed)
    exclude = [r.id for r in exact_rows]

    def tail(after_id: int, count: int, boundary: int) -> Picked:
        rows = in_index_order(reads, parsed, after_id=after_id, count=count, exclude=exclude)
        return [(Cursor("relevance", descending, 1, (r.id, boundary)), r) for r in rows]

    if after is not None and after.phase == 1:
        last_id, boundary = after.values
        picked = tail(last_id, limit + 1, boundary)
    else:
        boundary = after.values[3] if after is not None else None
        window = in_index_order(reads, parsed, after_id=0, count=limits.RANK_WINDOW, upto=boundary)
        if after is None and len(window) == limits.RANK_WINDOW:
            boundary = window[-1].id
        picked = _ranked(parsed, window, exact_rows, after, limit, descending, boundary)
        if len(picked) <= limit and boundary is not None:
            picked += tail(boundary, limit + 1 - len(picked), boundary)
    has_more = len(picked) > limit
    picked = picked[:limit]
    next_cursor = picked[-1][0] if has_more else None
    return Page(tuple(to_row(r) for _c, r in picked), next_cursor, has_more)


def _ranked(
    parsed: Query,
    window: list[RowLike],
    exact_rows: list[RowLike],
    after: Cursor | None,
    limit: int,
    descending: bool,
    boundary: int | None,
) -> Picked:
    """The window and the exact hits ranked, from just after `after`."""
    seen: dict[int, RowLike] = {r.id: r for r in window}
    for r in exact_rows:
        seen.setdefault(r.id, r)
    ranked = sorted(((tier(parsed, r), r.sort_name or "", r.id), r) for r in seen.values())
    if after is not None:
        cut = tuple(after.values[:3])
        ranked = [item for item in ranked if item[0] > cut]
    return [
        (Cursor("relevance", descending, 0, (*key, boundary)), r) for key, r in ranked[: limit + 1]
    ]


def near_miss_page(reads: Reads, parsed: Query, limit: int) -> Page:
    """Customers whose words are one edit away from each query word, scored."""
    if not parsed.words:
        return Page((), None, False)
    variants = tuple(tuple(sorted(edits(word))) for word in parsed.words)
    spelt = reads.run(Fetch("spell", parsed, reads.sqlite, variants=variants))
    real = {row.word for row in spelt}
    words = tuple(tuple(v for v in group if v in real) for group in variants)
    if not all(words):  # some query word is not near any word of any customer
        return Page((), None, False)
    candidates = reads.run(Fetch("near", parsed, reads.sqlite, variants=words))
    scored = [(score, row) for row in candidates if (score := near_score(parsed, row)) is not None]
    scored.sort(key=lambda item: (-item[0], item[1].sort_name or "", item[1].id))
    return Page(tuple(to_row(r, near_miss=True) for _s, r in scored[:limit]), None, False)


def near_score(parsed: Query, row: RowLike) -> float | None:
    """How close the row's name words are to the query words; None if not close enough."""
    from rapidfuzz import fuzz  # only when nothing matched: 0.05 s of a lookup's start

    names = " ".join(fold(p) for p in (row.first_name, row.last_name, row.company_name))
    name_words = re.findall(r"[^\W_]+", names)
    if not name_words:
        return None
    # Each query word against its closest name word, so a typo that changes
    # the words' alphabetical order does not count twice.
    score = sum(
        max(fuzz.ratio(word, candidate) for candidate in name_words) for word in parsed.words
    ) / len(parsed.words)
    return score if score >= limits.NEAR_MISS_MIN_SCORE else None
