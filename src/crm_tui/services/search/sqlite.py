"""SQLite: matching through the FTS5 tables (trigram for substrings, words for prefixes).

Probing FTS5 by rowid per customer costs ~80 us a row, so per-row checks read
customer_search.doc instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from crm_tui.services.search.query import Query
from crm_tui.services.search.tables import DOCS

FTS = table("customer_search_fts", column("rowid", Integer), column("customer_search_fts"))
WORDS = table("customer_search_words", column("rowid", Integer), column("customer_search_words"))


def fts_phrase(value: str) -> str:
    """An FTS5 string literal: operators and quotes inside are plain text."""
    return '"' + value.replace('"', '""') + '"'


def glob_word_prefix(value: str) -> ColumnElement[bool]:
    """`value` starts a word of customer_search.doc (value is alphanumeric).

    ASCII punctuation and spaces break words, as in the unicode61 tokenizer;
    non-ASCII characters count as letters (the docs are already folded)."""
    doc = DOCS.c.doc
    return or_(
        doc.op("GLOB")(value + "*"),
        doc.op("GLOB")("*[^a-z0-9\u0080-\U0010ffff]" + value + "*"),
    )


def fts_driver(parsed: Query) -> tuple[Any, ColumnElement[bool], bool]:
    """(FTS table, MATCH condition, needs a GLOB check on the doc)."""
    subs, prefixes = parsed.substring_terms, parsed.prefix_terms
    if subs:
        expr = " AND ".join(
            "(" + " OR ".join(fts_phrase(a) for a in t.alternatives) + ")" for t in subs
        )
        return FTS, FTS.c.customer_search_fts.op("MATCH")(expr), bool(prefixes)
    expr = " AND ".join(fts_phrase(t.alternatives[0]) + "*" for t in prefixes)
    return WORDS, WORDS.c.customer_search_words.op("MATCH")(expr), False


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


def words_match(variants: list[list[str]]) -> ColumnElement[bool]:
    """The word index matches one variant of every query word."""
    expr = " AND ".join("(" + " OR ".join(fts_phrase(v) for v in group) + ")" for group in variants)
    return WORDS.c.customer_search_words.op("MATCH")(expr)
