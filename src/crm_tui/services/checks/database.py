"""`crm db check` and `crm db repair`: is the database what the migrations and the rules say?

check_database runs, in order: the schema revision; the schema against
the migrations (tables, columns, indexes, constraints, triggers); the
crm roles' grants (PostgreSQL, once `crm db roles install` ran); SQLite's
own integrity check; references between rows (orphans, dangling
merged_into); merged customers' children; erased customers' leftovers;
e-mails shared by several customers; payments' reporting amounts against
a recount at the stored rates, and paid payments with no rate; stored
figures against a recount; the dashboard's day-by-day figures against a
rebuild from the subscriptions;
the search index against the customers (a sample, or all with `full`).

repair_database rebuilds what can be rebuilt from the rest: missing
indexes, triggers and constraints (from the migrations' own definitions),
search documents and the SQLite full-text indexes, reporting amounts,
summaries, the dashboard's day-by-day figures; it moves a
merged customer's stray children to its survivor. What it cannot mend
(a missing table or column, a unique constraint that duplicates now
break, rows pointing at nothing) it reports, with what to do.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from crm_tui.db import migrate
from crm_tui.models import Customer, CustomerSearch, format_number
from crm_tui.services.checks import (
    dashboard,
    figures,
    invoices,
    reporting,
    rows,
    schema,
    search_docs,
)
from crm_tui.services.roles.grants import grant_problems
from crm_tui.services.search.bulk_index import FTS_TABLES

MAX_LISTED = 20


@dataclass
class CheckReport:
    """Problems found; empty means the database is sound."""

    problems: list[str] = field(default_factory=list)
    # True but incomplete, not broken: paid payments with no rate for their
    # day (left out of every figure until a rate is set). `ok` ignores them.
    flags: list[str] = field(default_factory=list)
    customers_checked: int = 0
    documents_compared: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(engine: Engine, *, full: bool = False) -> CheckReport:
    """Everything `crm db check` reports; a damaged SQLite file is a problem, not a crash."""
    report = CheckReport()
    try:
        _check(engine, report, full=full)
    except DBAPIError as exc:
        text = str(exc.orig or exc).strip().splitlines()[0] if str(exc) else ""
        damaged = ("malformed", "not a database", "corrupt")
        if engine.dialect.name != "sqlite" or not any(d in text.lower() for d in damaged):
            raise
        report.problems.append(f"The database file is damaged: {text}.")
    return report


def _check(engine: Engine, report: CheckReport, *, full: bool) -> None:
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        report.problems.append(
            f"The schema is at revision {current or 'none'} but this app needs {head}; run `crm db upgrade`."
        )
        return
    try:
        with schema.reference(engine) as expected, engine.connect() as conn:
            report.problems.extend(schema.differences(expected, schema.describe(conn)))
    except DBAPIError as exc:  # e.g. a login without the right to create a schema
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        report.problems.append(
            f"The schema could not be compared with the migrations ({reason}); "
            "run the check as the database's owner."
        )
    with engine.connect() as conn:
        report.problems.extend(sqlite_integrity(conn))
        report.problems.extend(grant_problems(conn))
        report.customers_checked = int(conn.scalar(select(func.count()).select_from(Customer)) or 0)
        report.problems.extend(rows.orphans(conn))
        report.problems.extend(rows.merged_children(conn))
        report.problems.extend(rows.erased_leftovers(conn))
        report.problems.extend(rows.shared_emails(conn))
        report.problems.extend(reporting.reporting_problems(conn))
        report.flags.extend(reporting.unpriced_flags(conn))
        report.problems.extend(figures.figure_problems(conn))
        report.problems.extend(dashboard.dashboard_problems(conn))
        report.problems.extend(invoices.invoice_problems(conn, MAX_LISTED))
        report.problems.extend(invoices.payment_problems(conn, MAX_LISTED))
        report.problems.extend(search_problems(conn, report, full=full))


def sqlite_integrity(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []
    problems: list[str] = []
    integrity = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check").all()]
    if integrity != ["ok"]:
        problems.extend(f"SQLite integrity: {line}" for line in integrity[:MAX_LISTED])
    for table in fts_tables(conn):
        if not fts_consistent(conn, table):
            problems.append(f"The full-text index {table} disagrees with the search documents.")
    if conn.in_transaction():
        conn.rollback()
    return problems


def fts_consistent(conn: Connection, table: str) -> bool:
    """FTS5's own integrity check of `table`; nothing is changed.

    The check is written as an INSERT, which a read-only opening (`crm db
    check`) refuses: it then runs on a connection of its own, opened
    read-write without creating anything or touching the journal mode, in a
    transaction rolled back after. A file this user may not write is not
    checked this way (and cannot be repaired by them either).
    """
    statement = f"INSERT INTO {table}({table}) VALUES ('integrity-check')"  # fixed names
    try:
        conn.exec_driver_sql(statement)
        return True
    except DBAPIError as exc:
        if "readonly" not in str(exc.orig).lower():
            return False
    if conn.in_transaction():
        conn.rollback()
    uri = f"file:{quote(str(conn.engine.url.database))}?mode=rw"
    try:
        with closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as own:
            own.execute("BEGIN")
            try:
                own.execute(statement)
            finally:
                own.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        return "readonly" in str(exc).lower() or "unable to open" in str(exc).lower()
    except sqlite3.DatabaseError:
        return False
    return True


def fts_tables(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []
    present = {
        str(r[0])
        for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return [t for t in FTS_TABLES if t in present]


def search_problems(conn: Connection, report: CheckReport, *, full: bool) -> list[str]:
    unindexed = list(conn.scalars(
        select(col(Customer.id))
        .outerjoin(CustomerSearch, col(CustomerSearch.customer_id) == col(Customer.id))
        .where(col(CustomerSearch.customer_id).is_(None), col(Customer.erased_at).is_(None))
        .limit(MAX_LISTED)
    ))  # fmt: skip
    problems = [
        f"{format_number(int(cid or 0))} is missing from the search index." for cid in unindexed
    ]
    compared, stale = search_docs.stale_documents(conn, full=full)
    report.documents_compared = compared
    stale = [cid for cid in stale if cid not in unindexed]
    if stale:
        shown = ", ".join(format_number(c) for c in stale[:5]) + (", ..." if len(stale) > 5 else "")
        scope = "all" if full else "a sample of"
        problems.append(
            f"{len(stale):,} of {scope} {compared:,} customers have an out-of-date search "
            f"document ({shown}); `crm db repair` rewrites them."
        )
    return problems
