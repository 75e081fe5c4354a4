"""PostgreSQL: matching through pg_trgm (substrings) and a tsvector word index (prefixes).

Two forms of the same test. "Indexed" conditions are the ones a GIN index
answers (LIKE via pg_trgm, prefixes via the tsvector index); "cheap" ones cost
about a microsecond a row when a walk along an ordered index checks each row
(LIKE, and a regex for word prefixes; evaluating to_tsvector per row costs
~10 us). The planner's estimates for these patterns are rough, so the service
picks the plan shape itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, func, literal_column, or_, select
from sqlalchemy.orm import Session

from crm_tui.services.search import limits
from crm_tui.services.search.query import Query, Term
from crm_tui.services.search.tables import DOCS

# Must match the expression of ix_customer_search_words (migration 0002).
PG_WORDS_EXPR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(customer_search.doc, '[^[:alnum:]]+', ' ', 'g'))"
)

# A word starts here: start of the doc or after a non-alphanumeric character.
PG_WORD_START = "(^|[^[:alnum:]])"


def like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like(term: Term) -> ColumnElement[bool]:
    return or_(*(DOCS.c.doc.like(like_pattern(a)) for a in term.alternatives))


def cheap_conditions(parsed: Query) -> list[ColumnElement[bool]]:
    """Match conditions cheap to check row by row on a walk."""
    conditions = [like(t) for t in parsed.substring_terms]
    conditions.extend(
        DOCS.c.doc.op("~")(PG_WORD_START + re.escape(t.alternatives[0]))
        for t in parsed.prefix_terms
    )
    return conditions


def indexed_conditions(parsed: Query) -> list[ColumnElement[bool]]:
    """Match conditions the GIN indexes answer."""
    conditions = cheap_conditions(parsed)
    if parsed.prefix_terms:
        tsquery = " & ".join(f"{t.alternatives[0]}:*" for t in parsed.prefix_terms)
        conditions.append(words_match(tsquery))
    return conditions


def walk_ids(parsed: Query) -> int:
    return limits.PG_WALK_IDS_PREFIX if parsed.prefix_terms else limits.PG_WALK_IDS


def words_match(tsquery: str) -> ColumnElement[bool]:
    """The word index (tsvector) matches `tsquery` (alphanumeric words only)."""
    return literal_column(PG_WORDS_EXPR).op("@@")(
        func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
    )


def estimated_matches(session: Session, parsed: Query) -> float:
    """Matches among the first ids (a walk), scaled to the whole table."""
    walk = min(walk_ids(parsed), limits.PG_WALK_IDS_PREFIX)
    last_id = session.scalar(select(func.max(DOCS.c.customer_id))) or 0
    sample = (
        select(literal_column("1"))
        .select_from(DOCS)
        .where(DOCS.c.customer_id <= walk, *cheap_conditions(parsed))
        .subquery()
    )
    found = session.scalar(select(func.count()).select_from(sample)) or 0
    return found * max(last_id, walk) / walk


@contextmanager
def planner_settings(session: Session, **settings: str) -> Iterator[None]:
    """Planner settings for one statement (e.g. no sequential scan, so a
    misestimated pattern never becomes to_tsvector over every row); nothing
    on SQLite."""
    if not settings or session.get_bind().dialect.name != "postgresql":
        yield
        return
    for name, value in settings.items():
        session.execute(select(func.set_config(name, value, True)))
    try:
        yield
    finally:
        for name in settings:
            session.execute(select(func.set_config(name, "on", True)))
