"""The dashboard's day-by-day tables against a rebuild from the subscriptions.

Each table is compared with the same figures computed from scratch, in the
database (EXCEPT both ways; rows that add nothing are ignored), so a
tampered or stale row is found at any size; `crm db repair` refills all
three from the subscriptions.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from crm_tui.db import dashboard_figures as figures

_TABLES = {
    # table: (stored rows that count, the same from scratch)
    "dashboard_income": (
        "SELECT day, currency, subscriptions, amount FROM dashboard_income "
        "WHERE subscriptions <> 0 OR amount <> 0",
        figures.EXPECTED_INCOME,
    ),
    "activity_span": (
        "SELECT customer_id, start_day, end_day, next_start FROM activity_span",
        figures.expected_spans(),
    ),
    "dashboard_active": (
        "SELECT day, customers FROM dashboard_active WHERE customers <> 0",
        figures.expected_active(figures.expected_spans()),
    ),
}


def _differing(conn: Connection, stored: str, expected: str) -> int:
    query = (
        f"SELECT (SELECT COUNT(*) FROM ({stored} EXCEPT {expected}) a)"
        f" + (SELECT COUNT(*) FROM ({expected} EXCEPT {stored}) b)"
    )
    return int(conn.execute(text(query)).scalar_one() or 0)


def dashboard_problems(conn: Connection) -> list[str]:
    """One sentence per table that disagrees with the subscriptions."""
    problems = []
    for name, (stored, expected) in _TABLES.items():
        wrong = _differing(conn, stored, expected)
        if wrong:
            problems.append(
                f"The dashboard's figures in {name} disagree with the subscriptions "
                f"({wrong:,} row(s) differ); `crm db repair` rebuilds them."
            )
    return problems


def rebuild(conn: Connection) -> None:
    """Refill the three tables from the subscriptions."""
    for statement in figures.FILL:
        conn.execute(text(statement))
