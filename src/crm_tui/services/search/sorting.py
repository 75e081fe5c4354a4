"""The other sorts (name, figures, dates), paged by keyset.

The plan depends on how many documents match (see Matcher.for_sort): few
are collected and sorted; a middling number is built into a set once and
the sort index is walked against it; many are found by walking the sort
index and checking each row's doc.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from crm_tui.services.search import postgres
from crm_tui.services.search.matching import Matcher
from crm_tui.services.search.query import Query
from crm_tui.services.search.ranking import to_row
from crm_tui.services.search.tables import CUSTOMER, DOCS, ROW_COLUMNS, SUMMARY, AnyRow
from crm_tui.services.search.values import Cursor, Page, SortKey, SortSpec

# Keys whose NULLs (never purchased; nothing open) come last in both directions.
NULLS_LAST: frozenset[SortKey] = frozenset({"last_purchase", "days_overdue"})


def column_descending(sort: SortSpec) -> bool:
    """Whether the sort column runs high to low: days overdue grow as the oldest due
    date goes back, so most overdue first is that date earliest first."""
    return sort.descending != (sort.key == "days_overdue")


def sort_columns(key: SortKey) -> tuple[Column[Any], Column[Any]]:
    """(sort key column, tie-breaking id column)."""
    if key == "lifetime_value":
        return SUMMARY.c.lifetime_value, SUMMARY.c.customer_id
    if key == "active_subscriptions":
        return SUMMARY.c.active_subscriptions, SUMMARY.c.customer_id
    if key == "last_purchase":
        return SUMMARY.c.last_purchase_at, SUMMARY.c.customer_id
    if key == "outstanding":
        return SUMMARY.c.outstanding_balance, SUMMARY.c.customer_id
    if key == "days_overdue":
        return SUMMARY.c.oldest_due, SUMMARY.c.customer_id
    if key == "joined":
        return CUSTOMER.c.created_at, CUSTOMER.c.id
    return CUSTOMER.c.sort_name, CUSTOMER.c.id


def window_base() -> Select[Any]:
    """The list's columns: a customer and their summary figures."""
    return select(*ROW_COLUMNS).join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)


def ordered_window(
    base: Select[Any], where: list[ColumnElement[bool]], sort: SortSpec, phase: int, limit: Any
) -> Select[Any]:
    """`base` narrowed by `where`, in `sort` order (phase 1: the NULL keys, by id), `limit`
    rows: one statement of `sorted_page`, and the lean read path's first page of the list."""
    key_col, id_col = sort_columns(sort.key)
    desc = column_descending(sort)
    if phase == 1:
        order = [id_col.desc() if desc else id_col]
    else:
        order = [key_col.desc(), id_col.desc()] if desc else [key_col, id_col]
    return base.where(*where).order_by(*order).limit(limit)


def sorted_page(
    session: Session,
    matcher: Matcher,
    parsed: Query,
    conditions: list[ColumnElement[bool]],
    sort: SortSpec,
    after: Cursor | None,
    limit: int,
    requested: SortSpec,
) -> Page:
    """One page in `sort` order after `after`; cursors carry `requested`."""
    key_col, id_col = sort_columns(sort.key)
    desc = column_descending(sort)
    nulls_last = sort.key in NULLS_LAST
    base = window_base()
    walk = False
    if parsed.text:
        matching, join_docs, walk = matcher.for_sort(session, parsed)
        if join_docs:
            base = base.join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
        conditions = [*conditions, *matching]
    # Never-purchased customers, or those with nothing open (NULL), come last
    # in both directions, as a second phase, so each phase is one range of the index.
    phases = (0, 1) if nulls_last else (0,)
    start_phase = after.phase if after is not None else 0
    picked: list[tuple[Cursor, AnyRow]] = []
    for phase in phases:
        if phase < start_phase or len(picked) > limit:
            continue
        where = list(conditions)
        if nulls_last:
            where.append(key_col.is_(None) if phase == 1 else key_col.is_not(None))
        if after is not None and phase == start_phase:
            last_key, last_id = after.values
            where.append(after_condition(key_col, id_col, last_key, last_id, desc, phase == 1))
        stmt = ordered_window(base, where, sort, phase, limit + 1 - len(picked))
        # PostgreSQL misjudges pattern selectivity; a walk must stay a walk.
        with postgres.planner_settings(session, **({"enable_sort": "off"} if walk else {})):
            rows = session.execute(stmt).all()
        for row in rows:
            value = None if phase == 1 else getattr(row, key_col.key)
            cursor = Cursor(requested.key, requested.descending, phase, (value, row.id))
            picked.append((cursor, row))
    has_more = len(picked) > limit
    picked = picked[:limit]
    next_cursor = picked[-1][0] if has_more else None
    return Page(tuple(to_row(r) for _c, r in picked), next_cursor, has_more)


def after_condition(
    key_col: Column[Any],
    id_col: Column[Any],
    last_key: Any,
    last_id: int,
    desc: bool,
    ids_only: bool,
) -> ColumnElement[bool]:
    """Rows after (last_key, last_id) in the sort order."""
    if ids_only:
        return id_col < last_id if desc else id_col > last_id
    if desc:
        return and_(key_col <= last_key, or_(key_col < last_key, id_col < last_id))
    return and_(key_col >= last_key, or_(key_col > last_key, id_col > last_id))


def after_cursor(sort: SortSpec, cursor: Cursor) -> ColumnElement[bool]:
    """Rows after `cursor` in `sort` order (name for an empty query's relevance), never
    NULL: the NULLs of a NULLS_LAST key (never purchased, nothing open) come after every
    dated one."""
    key_col, id_col = sort_columns(sort.key)
    last_key, last_id = cursor.values
    desc = column_descending(sort)
    if sort.key not in NULLS_LAST:
        return after_condition(key_col, id_col, last_key, last_id, desc, False)
    if cursor.phase == 1:
        return and_(key_col.is_(None), after_condition(key_col, id_col, None, last_id, desc, True))
    dated = and_(
        key_col.is_not(None), after_condition(key_col, id_col, last_key, last_id, desc, False)
    )
    return or_(key_col.is_(None), dated)


def within(sort: SortSpec, start: Cursor | None, end: Cursor | None) -> list[ColumnElement[bool]]:
    """Rows after `start` (None: from the top) up to and including `end` (None: to the
    end): where a window of a list in `sort` order that was read by keyset lies."""
    conditions = []
    if start is not None:
        conditions.append(after_cursor(sort, start))
    if end is not None:
        conditions.append(~after_cursor(sort, end))
    return conditions
