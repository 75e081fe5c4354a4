"""Relevance order: a bounded candidate window ranked in Python, then index order.

The window is the exact e-mail / phone / number hits plus the first
RANK_WINDOW matches in index order, ranked exact, then names starting with
the query, then name words starting with it, then the rest. Later matches
follow in index order; ranking every match of a short query would cost
hundreds of milliseconds at a million rows.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crm_tui.services.search import limits
from crm_tui.services.search.matching import Matcher
from crm_tui.services.search.query import Query, fold
from crm_tui.services.search.tables import CUSTOMER, DOCS, ROW_COLUMNS, SUMMARY, AnyRow, to_row
from crm_tui.services.search.values import Cursor, Page

Picked = list[tuple[Cursor, AnyRow]]


def exact_condition(parsed: Query) -> ColumnElement[bool] | None:
    exact: list[ColumnElement[bool]] = []
    if parsed.customer_id is not None:
        exact.append(CUSTOMER.c.id == parsed.customer_id)
    if parsed.email_key is not None:
        exact.append(CUSTOMER.c.email_key == parsed.email_key)
    if parsed.phone_digits is not None:
        exact.append(CUSTOMER.c.phone_digits == parsed.phone_digits)
    return or_(*exact) if exact else None


def tier(parsed: Query, row: AnyRow) -> int:
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


def _exact_rows(
    session: Session, parsed: Query, conditions: list[ColumnElement[bool]]
) -> list[AnyRow]:
    """Exact hits are matches too (their doc holds the e-mail, phone and
    number), found by their own indexes wherever they sit in index order."""
    exact_cond = exact_condition(parsed)
    if exact_cond is None:
        return []
    exact_stmt = (
        select(*ROW_COLUMNS)
        .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
        .join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
        .where(exact_cond, *conditions)
    )
    return list(session.execute(exact_stmt))


def relevance_page(
    session: Session,
    matcher: Matcher,
    parsed: Query,
    conditions: list[ColumnElement[bool]],
    after: Cursor | None,
    limit: int,
    descending: bool,
) -> Page:
    """Best first whatever `descending` says (it only tags the cursor).

    Order: the ranked window, then every later match in index order. The
    cursor keeps the window's last id (`boundary`) so each page sees the
    same window."""
    exact_rows = _exact_rows(session, parsed, conditions)
    exclude = [CUSTOMER.c.id.not_in([r.id for r in exact_rows])] if exact_rows else []

    def tail(after_id: int, count: int, boundary: int) -> Picked:
        rows = matcher.in_index_order(
            session, parsed, conditions, after_id=after_id, count=count, extra=exclude
        )
        return [(Cursor("relevance", descending, 1, (r.id, boundary)), r) for r in rows]

    if after is not None and after.phase == 1:
        last_id, boundary = after.values
        picked = tail(last_id, limit + 1, boundary)
    else:
        boundary = after.values[3] if after is not None else None
        window = matcher.in_index_order(
            session, parsed, conditions, after_id=0, count=limits.RANK_WINDOW, upto=boundary
        )
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
    window: list[AnyRow],
    exact_rows: list[AnyRow],
    after: Cursor | None,
    limit: int,
    descending: bool,
    boundary: int | None,
) -> Picked:
    """The window and the exact hits ranked, from just after `after`."""
    seen: dict[int, AnyRow] = {r.id: r for r in window}
    for r in exact_rows:
        seen.setdefault(r.id, r)
    ranked = sorted(((tier(parsed, r), r.sort_name or "", r.id), r) for r in seen.values())
    if after is not None:
        cut = tuple(after.values[:3])
        ranked = [item for item in ranked if item[0] > cut]
    return [
        (Cursor("relevance", descending, 0, (*key, boundary)), r) for key, r in ranked[: limit + 1]
    ]
