"""Near misses: when nothing matches, customers one typo away, scored.

Each word's one-edit variants are looked up as whole words in the word index,
the bounded candidate set is scored with rapidfuzz, and close ones come back
marked `near_miss`.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, literal_column, select
from sqlalchemy.orm import Session

from crm_tui.services.search import limits, postgres, sqlite
from crm_tui.services.search.query import Query, edits, fold
from crm_tui.services.search.tables import CUSTOMER, DOCS, ROW_COLUMNS, SUMMARY, AnyRow, to_row
from crm_tui.services.search.values import Page


def near_miss_page(
    session: Session,
    on_sqlite: bool,
    parsed: Query,
    conditions: list[ColumnElement[bool]],
    limit: int,
) -> Page:
    """Customers whose words are one edit away from each query word, scored."""
    if not parsed.words:
        return Page((), None, False)
    variants = [sorted(edits(word)) for word in parsed.words]
    if on_sqlite:
        driven_id: ColumnElement[Any] = literal_column("+customer_search_words.rowid")
        source = sqlite.WORDS.join(CUSTOMER, CUSTOMER.c.id == driven_id)
        match = sqlite.words_match(variants)
        order: Any = sqlite.WORDS.c.rowid
    else:
        source = DOCS.join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id)
        match = postgres.words_match(" & ".join("(" + " | ".join(g) + ")" for g in variants))
        order = DOCS.c.customer_id + 0  # bitmap scans of the word index, never a walk
    stmt = (
        select(*ROW_COLUMNS)
        .select_from(source.join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id))
        .where(match, *conditions)
        .order_by(order)
        .limit(limits.NEAR_MISS_CANDIDATES)
    )
    with postgres.planner_settings(session, enable_seqscan="off"):
        candidates = session.execute(stmt).all()
    scored = [(score, row) for row in candidates if (score := _score(parsed, row)) is not None]
    scored.sort(key=lambda item: (-item[0], item[1].sort_name or "", item[1].id))
    return Page(tuple(to_row(r, near_miss=True) for _s, r in scored[:limit]), None, False)


def _score(parsed: Query, row: AnyRow) -> float | None:
    """How close the row's name words are to the query words; None if not close enough."""
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
