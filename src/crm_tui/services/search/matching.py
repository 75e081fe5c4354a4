"""Which customers match a query, on either engine, in index order.

SQLite drives with an FTS5 MATCH (see `sqlite`); PostgreSQL with pg_trgm and
tsvector conditions (see `postgres`), walking the primary key first because
its estimates for these patterns are rough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, Select, literal_column, or_, select
from sqlalchemy.orm import Session

from crm_tui.services.search import limits, postgres, sqlite
from crm_tui.services.search.query import Query
from crm_tui.services.search.tables import CUSTOMER, DOCS, SUMMARY


@dataclass(frozen=True)
class Matcher:
    """Match conditions and index-order reads for one engine."""

    sqlite: bool

    def driven(
        self,
        parsed: Query,
        stmt: Select[Any],
        conditions: Sequence[ColumnElement[bool]],
        *,
        extra: Sequence[ColumnElement[bool]] = (),
        cheap: bool = False,
    ) -> Select[Any]:
        """`stmt` over the matching customers, filtered; `index_order` orders it."""
        if not parsed.text:
            return (
                stmt.select_from(CUSTOMER)
                .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
                .where(*conditions, *extra)
            )
        if self.sqlite:
            fts, match, glob = sqlite.fts_driver(parsed)
            # Unary + keeps SQLite from probing the FTS table by rowid per customer.
            driven_id: ColumnElement[Any] = literal_column(f"+{fts.name}.rowid")
            source = fts.join(CUSTOMER, CUSTOMER.c.id == driven_id).join(
                SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id
            )
            checks: list[ColumnElement[bool]] = []
            if glob:
                source = source.join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
                checks = [sqlite.glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms]
            return stmt.select_from(source).where(match, *checks, *conditions, *extra)
        if cheap:
            match_conditions = postgres.cheap_conditions(parsed)
        else:
            match_conditions = postgres.indexed_conditions(parsed)
        return (
            stmt.select_from(DOCS)
            .join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id)
            .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
            .where(*match_conditions, *conditions, *extra)
        )

    def index_order(self, parsed: Query) -> Any:
        if self.sqlite:
            fts, _match, _glob = sqlite.fts_driver(parsed)
            return fts.c.rowid
        return DOCS.c.customer_id

    def match_ids(self, parsed: Query) -> Select[Any]:
        """SELECT of the matching customer ids (no filters), for IN (...)."""
        if not self.sqlite:
            return select(DOCS.c.customer_id).where(*postgres.indexed_conditions(parsed))
        fts, match, glob = sqlite.fts_driver(parsed)
        if not glob:
            return select(fts.c.rowid).where(match)
        driven_id: ColumnElement[Any] = literal_column(f"+{fts.name}.rowid")
        prefixes = (sqlite.glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms)
        return (
            select(fts.c.rowid)
            .select_from(fts.join(DOCS, DOCS.c.customer_id == driven_id))
            .where(match, *prefixes)
        )

    def row_check(self, parsed: Query) -> list[ColumnElement[bool]]:
        """Per-row match conditions on customer_search.doc (joined), cheap to
        evaluate while walking a sort index."""
        if self.sqlite:
            return sqlite.row_checks(parsed)
        return postgres.cheap_conditions(parsed)

    def for_sort(
        self, session: Session, parsed: Query
    ) -> tuple[list[ColumnElement[bool]], bool, bool]:
        """(conditions, join customer_search, walk the sort index) for a sort.

        Few matches: collect them through the index and sort them. Many: walk
        the sort index and check each row's doc, which reaches a page of
        matches after about 50 / density rows. In between: walk the sort index
        against the match set, built once (SQLite `+id IN (...)`, PostgreSQL a
        hashed subplan)."""
        if self.sqlite:
            found = sqlite.count_matches(session, parsed, limits.SMALL_MATCH_SET)
            if found <= limits.SMALL_MATCH_SET:
                return [CUSTOMER.c.id.in_(self.match_ids(parsed))], False, False
            found = sqlite.count_matches(session, parsed, limits.DENSE_MATCH_SET)
            if found <= limits.DENSE_MATCH_SET:
                # Unary + stops SQLite driving the query from the IN list.
                plus_id = literal_column("+customer.id", Integer)
                return [plus_id.in_(self.match_ids(parsed))], False, True
            return self.row_check(parsed), True, True
        estimate = postgres.estimated_matches(session, parsed)
        if estimate <= limits.SMALL_MATCH_SET:
            matches = select(DOCS.c.customer_id).where(*postgres.indexed_conditions(parsed))
            cte = matches.cte("matches").prefix_with("MATERIALIZED")
            return [CUSTOMER.c.id.in_(select(cte.c.customer_id))], False, False
        if estimate <= limits.PG_DENSE_MATCH_SET:
            # "OR false" keeps the IN a hashed subplan instead of a join.
            in_matches = CUSTOMER.c.id.in_(self.match_ids(parsed))
            return [or_(in_matches, literal_column("false", Boolean))], False, True
        return self.row_check(parsed), True, True
