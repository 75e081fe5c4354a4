"""The dashboard's day-by-day figures during a bulk load of new customers.

On SQLite the subscription triggers run per row (about a hundred
microseconds each, re-merging the customer's spans every time); a batch of
new customers drops them inside its own transaction, applies the batch's
subscriptions in one pass, and creates them again before commit, so no
other writer ever sees the table without them (a failure rolls the drop
back too). PostgreSQL's statement triggers already take a multi-row INSERT
at once: nothing changes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from crm_tui.db import dashboard_figures as figures


@contextmanager
def dashboard_figures_per_batch(conn: Connection, first: int, last: int) -> Iterator[None]:
    """Around the inserts of customers `first`..`last` (all new) and their children."""
    if conn.dialect.name != "sqlite":
        yield
        return
    for name in figures.SQLITE_TRIGGERS:  # fixed names
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    for statement in figures.BATCH_OF_NEW_CUSTOMERS:
        conn.execute(text(statement), {"first": first, "last": last})
    for trigger in figures.sqlite_triggers():
        conn.exec_driver_sql(trigger)
