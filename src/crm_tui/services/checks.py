"""`crm db check`: is the schema current, and do stored figures agree with a recount?

The recount runs as one query in the database (aggregates joined to the
summary table, only disagreeing rows returned), so it scales to a million
customers without loading them into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from crm_tui.db import migrate
from crm_tui.models import Customer, CustomerSearch, CustomerSummary, format_number
from crm_tui.services.billing import summary
from crm_tui.services.common import not_erased

MAX_LISTED = 20


@dataclass
class CheckReport:
    """Problems found; empty means the database is sound."""

    problems: list[str] = field(default_factory=list)
    customers_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(engine: Engine) -> CheckReport:
    report = CheckReport()
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        report.problems.append(
            f"The schema is at revision {current or 'none'} but this app needs {head}; run `crm db upgrade`."
        )
        return report
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            integrity = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check").all()]
            if integrity != ["ok"]:
                report.problems.extend(
                    f"SQLite integrity: {line}" for line in integrity[:MAX_LISTED]
                )
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all()[
                :MAX_LISTED
            ]:
                report.problems.append(f"Row {rowid} of {table} points at a missing {parent} row.")
        report.customers_checked = int(conn.scalar(select(func.count()).select_from(Customer)) or 0)
        missing = (
            conn.execute(
                select(col(Customer.id))
                .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
                .where(col(CustomerSummary.customer_id).is_(None))
                .limit(MAX_LISTED)
            )
            .scalars()
            .all()
        )
        report.problems.extend(
            f"{format_number(cid)} has no summary row." for cid in missing if cid
        )
        unindexed = (
            conn.execute(
                select(col(Customer.id))
                .outerjoin(CustomerSearch, col(CustomerSearch.customer_id) == col(Customer.id))
                .where(col(CustomerSearch.customer_id).is_(None), not_erased())
                .limit(MAX_LISTED)
            )
            .scalars()
            .all()
        )
        report.problems.extend(
            f"{format_number(cid)} is missing from the search index." for cid in unindexed if cid
        )
        report.problems.extend(_summary_mismatches(conn))
    return report


def _summary_mismatches(conn: object) -> list[str]:
    pay = summary.payment_figures().subquery()
    subs = summary.subscription_figures().subquery()
    orders = summary.order_figures().subquery()
    s = CustomerSummary
    zero = literal(0)
    expected = {
        "lifetime_value": func.coalesce(pay.c.lifetime_value, zero),
        "outstanding_balance": func.coalesce(pay.c.outstanding_balance, zero),
        "paid_payments": func.coalesce(pay.c.paid_payments, zero),
        "active_subscriptions": func.coalesce(subs.c.active_subscriptions, zero),
        "ended_subscriptions": func.coalesce(subs.c.ended_subscriptions, zero),
        "active_monthly": func.coalesce(subs.c.active_monthly, zero),
        "order_count": func.coalesce(orders.c.order_count, zero),
        "order_total": func.coalesce(orders.c.order_total, zero),
    }
    differs = [getattr(s, name) != value for name, value in expected.items()]
    differs.append(func.coalesce(s.last_purchase_at, None).is_distinct_from(pay.c.last_purchase_at))
    query = (
        select(
            col(s.customer_id),
            *[getattr(s, n) for n in expected],
            *[v.label(f"expected_{n}") for n, v in expected.items()],
        )
        .outerjoin(pay, pay.c.customer_id == s.customer_id)
        .outerjoin(subs, subs.c.customer_id == s.customer_id)
        .outerjoin(orders, orders.c.customer_id == s.customer_id)
        .where(or_(*differs))
        .limit(MAX_LISTED)
    )
    problems = []
    for row in conn.execute(query).mappings():  # type: ignore[attr-defined]
        wrong = [
            f"{name} {row[name]} (recount {Decimal(row['expected_' + name]) if row['expected_' + name] is not None else None})"
            for name in expected
            if row[name] != row["expected_" + name]
        ]
        problems.append(
            f"{format_number(row['customer_id'])}: stored figures disagree with a recount: "
            + (", ".join(wrong) or "last purchase date")
            + "."
        )
    return problems
