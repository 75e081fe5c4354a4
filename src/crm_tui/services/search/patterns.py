"""The strings a search hands the engines: FTS5 MATCH expressions, GLOB, LIKE and
regex patterns, tsqueries. Standard library only, so the service and the lean
read path of `crm lookup` build them with the same code."""

from __future__ import annotations

import re

from crm_tui.services.search.query import Query

# A word starts here: start of the doc or after a non-alphanumeric character.
PG_WORD_START = "(^|[^[:alnum:]])"


def fts_phrase(value: str) -> str:
    """An FTS5 string literal: operators and quotes inside are plain text."""
    return '"' + value.replace('"', '""') + '"'


def fts_match(parsed: Query) -> tuple[bool, str, bool]:
    """(trigram table?, its MATCH expression, needs a GLOB check on the doc).

    Substring words drive through the trigram index; with none, the
    1-2 character words drive through the word index as prefixes."""
    subs, prefixes = parsed.substring_terms, parsed.prefix_terms
    if subs:
        expr = " AND ".join(
            "(" + " OR ".join(fts_phrase(a) for a in t.alternatives) + ")" for t in subs
        )
        return True, expr, bool(prefixes)
    return False, " AND ".join(fts_phrase(t.alternatives[0]) + "*" for t in prefixes), False


def glob_patterns(value: str) -> tuple[str, str]:
    """GLOB patterns for `value` starting a word of customer_search.doc.

    ASCII punctuation and spaces break words, as in the unicode61 tokenizer;
    non-ASCII characters count as letters (the docs are already folded)."""
    return value + "*", "*[^a-z0-9\u0080-\U0010ffff]" + value + "*"


def words_match(variants: list[list[str]]) -> str:
    """FTS5 word-index MATCH: one variant of every query word."""
    return " AND ".join("(" + " OR ".join(fts_phrase(v) for v in group) + ")" for group in variants)


def like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def word_start_regex(value: str) -> str:
    """PostgreSQL regex: `value` starts a word of the doc."""
    return PG_WORD_START + re.escape(value)


def prefix_tsquery(parsed: Query) -> str:
    """PostgreSQL tsquery: every 1-2 character word as a prefix."""
    return " & ".join(f"{t.alternatives[0]}:*" for t in parsed.prefix_terms)


def variants_tsquery(variants: list[list[str]]) -> str:
    """PostgreSQL tsquery: one variant of every query word."""
    return " & ".join("(" + " | ".join(g) + ")" for g in variants)
