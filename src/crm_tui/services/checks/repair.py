"""`crm db repair`: rebuild what can be rebuilt, say what cannot.

Each step runs in its own transaction (each schema statement in its own
savepoint), so one that fails leaves the others done; a final check says
what is still wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.config import os_login
from crm_tui.db.engine import WRITE_OPTION
from crm_tui.models import Customer, CustomerSearch
from crm_tui.models.enums import CustomerStatus
from crm_tui.services.billing import summary
from crm_tui.services.checks import dashboard, figures, schema, search_docs
from crm_tui.services.checks.database import CheckReport, check_database, fts_tables
from crm_tui.services.checks.reporting import drifted
from crm_tui.services.money import recompute, reporting
from crm_tui.services.roles.detect import read_permissions
from crm_tui.services.roles.policy import Capability
from crm_tui.services.roles.refusals import permission_denied

# Recreated in this order: constraints may bring their own index along.
_ORDER = ("unique constraint", "check constraint", "foreign key", "index", "trigger")


@dataclass
class RepairReport:
    """What was rebuilt, and what is still wrong afterwards (with why, when known)."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    after: CheckReport = field(default_factory=CheckReport)

    @property
    def ok(self) -> bool:
        return not self.failed and self.after.ok


def repair_database(engine: Engine) -> RepairReport:
    """Refused (PermissionRefused) to all but a manager on a database with crm roles: it
    recounts every customer's figures and moves rows between customers."""
    read_permissions(engine, local_login=os_login()).require(Capability.REPAIR)
    report = RepairReport()
    writer = engine.execution_options(**{WRITE_OPTION: True})
    _repair_schema(writer, report)
    with writer.begin() as conn:
        _move_merged_children(conn, report)
    with writer.begin() as conn:
        _rewrite_search(conn, report)
    with writer.begin() as conn:
        _recompute_reporting(conn, report)
    with writer.begin() as conn:
        _refresh_summaries(conn, report)
    with writer.begin() as conn:
        _rebuild_dashboard(conn, report)
    report.after = check_database(engine, full=True)
    return report


def _repair_schema(writer: Engine, report: RepairReport) -> None:
    with schema.reference(writer) as expected:
        with writer.connect() as conn:
            actual = schema.describe(conn)
        missing = [key for key in expected.objects if key not in actual.objects]
        missing.sort(key=lambda k: next((i for i, p in enumerate(_ORDER) if k.startswith(p)), 9))
        with writer.begin() as conn:
            for key in missing:
                statement = expected.ddl.get(key)
                if statement is None or key.rsplit(" on ", 1)[-1] not in actual.columns:
                    continue
                if key in schema.describe(conn).objects:
                    continue  # came back with a constraint created just before
                try:
                    with conn.begin_nested():
                        conn.exec_driver_sql(statement)
                    report.done.append(f"Recreated the {key}.")
                except DBAPIError as exc:
                    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
                    if permission_denied(exc):  # a manager who does not own the tables
                        reason += "; run crm db repair as the tables' owner to recreate it"
                    report.failed.append(f"Could not recreate the {key}: {reason}.")
        for problem in schema.differences(expected, actual):
            if problem.startswith(("Table ", "Column ")):
                report.failed.append(
                    f"{problem} Repair cannot make it without its data; restore a backup."
                )


def _move_merged_children(conn: Connection, report: RepairReport) -> None:
    """Rows left on a merged customer go to its survivor, as the merge would have moved them."""
    from crm_tui.services.checks.rows import KEPT_BY_MERGED
    from crm_tui.services.merge.service import customer_references

    merged = select(col(Customer.id)).where(
        col(Customer.status) == CustomerStatus.MERGED.value,
        col(Customer.merged_into_id).is_not(None),
    )
    moved = 0
    for table, column in customer_references():
        if table.name in KEPT_BY_MERGED or column.primary_key:
            continue
        survivor = (
            select(col(Customer.merged_into_id)).where(col(Customer.id) == column).scalar_subquery()
        )
        result = conn.execute(
            update(table).where(column.in_(merged)).values({column.name: survivor})
        )
        moved += int(result.rowcount or 0)
    if moved:
        report.done.append(f"Moved {moved:,} row(s) from merged customers to their survivors.")


def _rewrite_search(conn: Connection, report: RepairReport) -> None:
    _compared, stale = search_docs.stale_documents(conn, full=True)
    missing = list(conn.scalars(
        select(col(Customer.id))
        .outerjoin(CustomerSearch, col(CustomerSearch.customer_id) == col(Customer.id))
        .where(col(CustomerSearch.customer_id).is_(None), col(Customer.erased_at).is_(None))
    ))  # fmt: skip
    erased = list(conn.scalars(
        select(col(CustomerSearch.customer_id))
        .join(Customer, col(Customer.id) == col(CustomerSearch.customer_id))
        .where(col(Customer.erased_at).is_not(None))
    ))  # fmt: skip
    ids = sorted(set(stale) | {int(i or 0) for i in missing} | {int(i or 0) for i in erased})
    if ids:
        search_docs.rewrite_documents(conn, ids)
        report.done.append(f"Rewrote {len(ids):,} search document(s).")
    for table in fts_tables(conn):  # names from a fixed list
        conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        report.done.append(f"Rebuilt the full-text index {table}.")


def _recompute_reporting(conn: Connection, report: RepairReport) -> None:
    """Payments whose reporting amounts drifted from the stored rates: all recomputed in SQL."""
    if reporting.recorded(conn) is None or not drifted(conn)[0]:
        return
    with Session(bind=conn) as session:
        count = recompute.payments(session)
        session.flush()
    report.done.append(f"Recomputed the reporting amounts of {count:,} payment(s).")


def _refresh_summaries(conn: Connection, report: RepairReport) -> None:
    ids = sorted(set(figures.missing_summaries(conn, None)) | set(figures.disagreeing_ids(conn)))
    if not ids:
        return
    with Session(bind=conn) as session:
        for customer_id in ids:
            summary.refresh(session, customer_id)
        session.flush()
    report.done.append(f"Recounted the figures of {len(ids):,} customer(s).")


def _rebuild_dashboard(conn: Connection, report: RepairReport) -> None:
    if not dashboard.dashboard_problems(conn):
        return
    dashboard.rebuild(conn)
    report.done.append("Rebuilt the dashboard's figures from the subscriptions.")
