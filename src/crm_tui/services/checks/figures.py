"""Stored summary figures compared with a recount from the money rows.

The recount runs as one query in the database (aggregates joined to the
summary table, only disagreeing rows returned), so it scales to a million
customers without loading them into Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, literal, or_, select
from sqlmodel import col

from crm_tui.models import Customer, CustomerSummary, format_number
from crm_tui.services.billing import summary
from crm_tui.services.money import reporting

MAX_LISTED = 20


def _disagreeing(conn: Connection) -> tuple[Select[Any], dict[str, Any]]:
    quote = reporting.currency(conn)
    pay = summary.payment_figures().subquery()
    owed = summary.invoice_figures(quote).subquery()
    subs = summary.subscription_figures(quote).subquery()
    orders = summary.order_figures(quote).subquery()
    s = CustomerSummary
    zero = literal(0)
    expected = {
        "lifetime_value": func.coalesce(pay.c.lifetime_value, zero),
        "outstanding_balance": func.coalesce(owed.c.outstanding_balance, zero),
        "paid_payments": func.coalesce(pay.c.paid_payments, zero),
        "active_subscriptions": func.coalesce(subs.c.active_subscriptions, zero),
        "ended_subscriptions": func.coalesce(subs.c.ended_subscriptions, zero),
        "active_monthly": func.coalesce(subs.c.active_monthly, zero),
        "order_count": func.coalesce(orders.c.order_count, zero),
        "order_total": func.coalesce(orders.c.order_total, zero),
    }
    differs = [getattr(s, name) != value for name, value in expected.items()]
    differs.append(col(s.last_purchase_at).is_distinct_from(pay.c.last_purchase_at))
    differs.append(col(s.oldest_due).is_distinct_from(owed.c.oldest_due))
    query = (
        select(col(s.customer_id))
        .outerjoin(pay, pay.c.customer_id == s.customer_id)
        .outerjoin(owed, owed.c.customer_id == s.customer_id)
        .outerjoin(subs, subs.c.customer_id == s.customer_id)
        .outerjoin(orders, orders.c.customer_id == s.customer_id)
        .where(or_(*differs))
    )
    return query, expected


def missing_summaries(conn: Connection, limit: int | None = MAX_LISTED) -> list[int]:
    query = (
        select(col(Customer.id))
        .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
        .where(col(CustomerSummary.customer_id).is_(None))
        .order_by(col(Customer.id))
    )
    return [int(i or 0) for i in conn.scalars(query.limit(limit) if limit else query)]


def disagreeing_ids(conn: Connection, limit: int | None = None) -> list[int]:
    query, _ = _disagreeing(conn)
    query = query.order_by(col(CustomerSummary.customer_id))
    return [int(i) for i in conn.scalars(query.limit(limit) if limit else query)]


def figure_problems(conn: Connection) -> list[str]:
    problems = [f"{format_number(cid)} has no summary row." for cid in missing_summaries(conn)]
    query, expected = _disagreeing(conn)
    s = CustomerSummary
    detailed = query.add_columns(
        *[getattr(s, n) for n in expected],
        *[v.label(f"expected_{n}") for n, v in expected.items()],
    ).limit(MAX_LISTED)
    for row in conn.execute(detailed).mappings():
        wrong = [
            f"{name} {row[name]} (recount {_shown(row['expected_' + name])})"
            for name in expected
            if row[name] != row["expected_" + name]
        ]
        problems.append(
            f"{format_number(row['customer_id'])}: stored figures disagree with a recount: "
            + (", ".join(wrong) or "last purchase date or oldest due date")
            + "."
        )
    return problems


def _shown(value: object) -> object:
    return Decimal(str(value)) if value is not None else None
