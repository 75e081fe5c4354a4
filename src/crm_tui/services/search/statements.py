"""The SQLAlchemy expression of each `plan.Fetch` shape, and the service's runner.

Every value is a named bind (`q_...`) filled from `Fetch.params()`, so the
expression compiled once per dialect (`compiled.json`, kept equal to this by
a test) runs on the lean read path with the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, func, literal_column, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session

from crm_tui.services.search import postgres, sqlite
from crm_tui.services.search.plan import Fetch, RowLike
from crm_tui.services.search.tables import CUSTOMER, DOCS, ROW_COLUMNS, SPELLING, SUMMARY


def _bind(name: str, params: dict[str, Any], type_: Any = String) -> Any:
    return bindparam(name, params[name], type_=type_)


def _cheap(fetch: Fetch, params: dict[str, Any]) -> list[ColumnElement[bool]]:
    """PostgreSQL: LIKE per substring alternative, the word-start regex per prefix."""
    conditions: list[ColumnElement[bool]] = [
        or_(
            *(DOCS.c.doc.like(_bind(f"q_like_{i}_{j}", params)) for j in range(len(t.alternatives)))
        )
        for i, t in enumerate(fetch.parsed.substring_terms)
    ]
    conditions.extend(
        DOCS.c.doc.op("~")(_bind(f"q_re_{i}", params))
        for i in range(len(fetch.parsed.prefix_terms))
    )
    return conditions


def build(fetch: Fetch, conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """The statement for `fetch`, with the caller's filter `conditions`."""
    params = fetch.params()
    if fetch.kind == "browse":  # no query: the list by name, first page (the lean start)
        from crm_tui.services.search.sorting import ordered_window, window_base
        from crm_tui.services.search.values import SortSpec

        limit = _bind("q_limit", params, Integer)
        return ordered_window(window_base(), list(conditions), SortSpec("name"), 0, limit)
    if fetch.kind == "spell":
        spelt: Any = bindparam("q_words", params["q_words"], expanding=True)
        return sa_select(SPELLING.c.word).where(SPELLING.c.word.in_(spelt))
    columns = sa_select(*ROW_COLUMNS)
    if fetch.kind == "exact":
        exact = []
        if "q_id" in params:
            exact.append(CUSTOMER.c.id == _bind("q_id", params, Integer))
        if "q_email" in params:
            exact.append(CUSTOMER.c.email_key == _bind("q_email", params))
        if "q_phone" in params:
            exact.append(CUSTOMER.c.phone_digits == _bind("q_phone", params))
        return (
            columns.join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
            .join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
            .where(or_(*exact), *conditions)
        )
    limit = _bind("q_limit", params, Integer)
    if fetch.kind == "near":
        if fetch.sqlite:
            words = sqlite.WORDS
            driven: ColumnElement[Any] = literal_column("+customer_search_words.rowid")
            source = words.join(CUSTOMER, CUSTOMER.c.id == driven)
            match: ColumnElement[bool] = words.c.customer_search_words.op("MATCH")(
                _bind("q_match", params)
            )
            order: Any = words.c.rowid
        else:
            source = DOCS.join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id)
            match = postgres.words_match(_bind("q_tsquery", params))
            order = DOCS.c.customer_id + 0  # bitmap scans of the word index, never a walk
        return (
            columns.select_from(source.join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id))
            .where(match, *conditions)
            .order_by(order)
            .limit(limit)
        )
    bounds: list[ColumnElement[bool]] = []
    if fetch.kind == "fts":
        fts = sqlite.FTS if fetch.trigram else sqlite.WORDS
        # Unary + keeps SQLite from probing the FTS table by rowid per customer.
        driven_id: ColumnElement[Any] = literal_column(f"+{fts.name}.rowid")
        source = fts.join(CUSTOMER, CUSTOMER.c.id == driven_id).join(
            SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id
        )
        match_column = fts.c[fts.name]
        where: list[ColumnElement[bool]] = [match_column.op("MATCH")(_bind("q_match", params))]
        if fetch.globbed:
            source = source.join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
            where += [
                or_(
                    DOCS.c.doc.op("GLOB")(_bind(f"q_glob_{i}_a", params)),
                    DOCS.c.doc.op("GLOB")(_bind(f"q_glob_{i}_b", params)),
                )
                for i in range(fetch.globbed)
            ]
        order = fts.c.rowid
    else:
        source = DOCS.join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id).join(
            SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id
        )
        where = _cheap(fetch, params)
        order = DOCS.c.customer_id
        if fetch.kind == "rest" and fetch.parsed.prefix_terms:
            where.append(postgres.words_match(_bind("q_tsquery", params)))
        walk_end = _bind("q_walk_end", params, Integer)
        bounds.append(order <= walk_end if fetch.kind == "walk" else order > walk_end)
    bounds.insert(0 if fetch.kind != "rest" else 1, order > _bind("q_after", params, Integer))
    if fetch.upto is not None:
        bounds.append(order <= _bind("q_upto", params, Integer))
    if fetch.exclude:
        bounds.append(
            CUSTOMER.c.id.not_in(bindparam("q_exclude", params["q_exclude"], expanding=True))
        )
    # "+ 0" on the GIN-driven rest: no walk along the primary key; bitmap scans.
    ordering = order + 0 if fetch.kind == "rest" else order
    return (
        columns.select_from(source)
        .where(*where, *conditions, *bounds)
        .order_by(ordering)
        .limit(limit)
    )


# PostgreSQL, at the start of a search's transaction: psycopg's prepare_threshold
# is None, so nothing is prepared implicitly; force_custom_plan guards against a
# connection told otherwise. JIT compiling costs ~200 ms whenever the estimator
# thinks a plan is big.
SEARCH_SESSION = sa_select(
    func.set_config("plan_cache_mode", "force_custom_plan", True),
    func.set_config("jit", "off", True),
)


def set_config_statement(name: str, value: str) -> Select[Any]:
    """PostgreSQL: one setting for the rest of the transaction."""
    return sa_select(
        func.set_config(
            bindparam("q_name", name, String), bindparam("q_value", value, String), True
        )
    )


@dataclass
class SessionReads:
    """Runs fetches through a SQLAlchemy session (the service's runner)."""

    session: Session
    conditions: Sequence[ColumnElement[bool]]
    sqlite: bool

    def run(self, fetch: Fetch) -> list[RowLike]:
        stmt = build(fetch, self.conditions)
        with postgres.planner_settings(self.session, **fetch.planner):
            return list(self.session.execute(stmt))
