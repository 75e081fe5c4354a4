"""SQLite: matching through the FTS5 tables (trigram for substrings, words for prefixes).

Probing FTS5 by rowid per customer costs ~80 us a row, so per-row checks read
customer_search.doc instead. The MATCH strings and patterns come from
`patterns`, shared with the lean read path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from crm_tui.services.search import patterns
from crm_tui.services.search.query import Query
from crm_tui.services.search.tables import DOCS

FTS = table("customer_search_fts", column("rowid", Integer), column("customer_search_fts"))
WORDS = table("customer_search_words", column("rowid", Integer), column("customer_search_words"))


def glob_word_prefix(value: str) -> ColumnElement[bool]:
    """`value` starts a word of customer_search.doc (value is alphanumeric)."""
    at_start, after_break = patterns.glob_patterns(value)
    return or_(DOCS.c.doc.op("GLOB")(at_start), DOCS.c.doc.op("GLOB")(after_break))


def fts_driver(parsed: Query) -> tuple[Any, ColumnElement[bool], bool]:
    """(FTS table, MATCH condition, needs a GLOB check on the doc)."""
    trigram, expr, glob = patterns.fts_match(parsed)
    if trigram:
        return FTS, FTS.c.customer_search_fts.op("MATCH")(expr), glob
    return WORDS, WORDS.c.customer_search_words.op("MATCH")(expr), glob


def row_checks(parsed: Query) -> list[ColumnElement[bool]]:
    """Per-row match conditions on customer_search.doc (joined)."""
    checks: list[ColumnElement[bool]] = [
        or_(*(func.instr(DOCS.c.doc, a) > 0 for a in t.alternatives))
        for t in parsed.substring_terms
    ]
    checks.extend(glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms)
    return checks


def count_matches(session: Session, parsed: Query, cap: int) -> int:
    """How many documents the FTS index matches, counting at most cap + 1."""
    fts, match, _glob = fts_driver(parsed)
    probe = select(fts.c.rowid).where(match).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(probe)) or 0
