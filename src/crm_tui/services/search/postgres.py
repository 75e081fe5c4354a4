"""PostgreSQL: matching through pg_trgm (substrings) and a tsvector word index (prefixes).

Two forms of the same test. "Indexed" conditions are the ones a GIN index
answers (LIKE via pg_trgm, prefixes via the tsvector index); "cheap" ones cost
about a microsecond a row when a walk along an ordered index checks each row
(LIKE, and a regex for word prefixes; evaluating to_tsvector per row costs
~10 us). The planner's estimates for these patterns are rough, so the service
picks the plan shape itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, or_, select
from sqlalchemy.orm import Session

from crm_tui.services.search import limits, patterns, plan
from crm_tui.services.search.query import Query, Term
from crm_tui.services.search.tables import DOCS

# Must match the expression of ix_customer_search_words (migration 0002).
PG_WORDS_EXPR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(customer_search.doc, '[^[:alnum:]]+', ' ', 'g'))"
)


def like(term: Term) -> ColumnElement[bool]:
    return or_(*(DOCS.c.doc.like(patterns.like_pattern(a)) for a in term.alternatives))


def cheap_conditions(parsed: Query) -> list[ColumnElement[bool]]:
    """Match conditions cheap to check row by row on a walk."""
    conditions = [like(t) for t in parsed.substring_terms]
    conditions.extend(
        DOCS.c.doc.op("~")(patterns.word_start_regex(t.alternatives[0]))
        for t in parsed.prefix_terms
    )
    return conditions


def indexed_conditions(parsed: Query) -> list[ColumnElement[bool]]:
    """Match conditions the GIN indexes answer."""
    conditions = cheap_conditions(parsed)
    if parsed.prefix_terms:
        conditions.append(words_match(patterns.prefix_tsquery(parsed)))
    return conditions


def words_match(tsquery: Any) -> ColumnElement[bool]:
    """The word index (tsvector) matches `tsquery` (alphanumeric words only)."""
    return literal_column(PG_WORDS_EXPR).op("@@")(
        func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
    )


def estimated_matches(session: Session, parsed: Query) -> float:
    """Matches among the first ids (a walk), scaled to the whole table."""
    walk = min(plan.walk_ids(parsed), limits.PG_WALK_IDS_PREFIX)
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
    from crm_tui.services.search.statements import set_config_statement

    for name, value in settings.items():
        session.execute(set_config_statement(name, value))
    try:
        yield
    finally:
        for name in settings:
            session.execute(set_config_statement(name, "on"))
