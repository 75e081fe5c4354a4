"""Row-level checks: references, merged and erased customers, shared e-mails.

Each is one query in the database returning only the offending rows (at
most MAX_LISTED named), so they scale to a million customers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col

from crm_tui.models import ChangeRecord, Customer, CustomerSearch, CustomerSummary, format_number
from crm_tui.models.enums import CustomerStatus

MAX_LISTED = 20
# Rows a merged customer keeps: its history, and its recomputed summary and search rows.
KEPT_BY_MERGED = {ChangeRecord.__tablename__, CustomerSummary.__tablename__,
                  CustomerSearch.__tablename__}  # fmt: skip
# Children that hold personal data and go when a customer is erased.
PERSONAL_TABLES = ("address", "contact", "note", "payment_method", "customer_tag",
                   "segment_member", "customer_search")  # fmt: skip
PERSONAL_FIELDS = ("email", "phone", "date_of_birth", "company_name", "registration_number",
                   "vat_id", "website", "email_key", "phone_digits")  # fmt: skip


def _numbers(ids: list[Any]) -> str:
    shown = ", ".join(format_number(int(i)) for i in ids[:5])
    return shown + (", ..." if len(ids) > 5 else "")


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def orphans(conn: Connection) -> list[str]:
    """Rows whose foreign key points at a row that does not exist (any table)."""
    problems = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            column, parent = fk.parent, fk.column
            other = aliased(parent.table)
            missing = (
                select(func.count())
                .select_from(table)
                .where(
                    column.is_not(None),
                    ~exists().where(other.c[parent.name] == column),
                )
            )
            count = int(conn.scalar(missing) or 0)
            if count:
                problems.append(
                    f"{count:,} row(s) of {table.name} point at a missing {parent.table.name} "
                    f"(column {column.name})."
                )
    return problems


def merged_children(conn: Connection) -> list[str]:
    """Merged customers that still hold rows the merge should have moved to the survivor."""
    from crm_tui.services.merge.service import customer_references

    problems = []
    merged = select(col(Customer.id)).where(col(Customer.status) == CustomerStatus.MERGED.value)
    for table, column in customer_references():
        if table.name in KEPT_BY_MERGED:
            continue
        ids = list(conn.scalars(
            select(column).where(column.in_(merged)).distinct().order_by(column).limit(MAX_LISTED)
        ))  # fmt: skip
        if ids:
            problems.append(
                f"Merged customer(s) {_numbers(ids)} still hold {table.name} rows; "
                "they belong to the survivor."
            )
    no_survivor = list(conn.scalars(
        select(col(Customer.id)).where(
            col(Customer.status) == CustomerStatus.MERGED.value,
            col(Customer.merged_into_id).is_(None),
        ).limit(MAX_LISTED)
    ))  # fmt: skip
    if no_survivor:
        problems.append(f"Merged customer(s) {_numbers(no_survivor)} name no survivor.")
    return problems


def erased_leftovers(conn: Connection) -> list[str]:
    """Erased customers that still hold personal data (fields, children, history values)."""
    problems = []
    erased = select(col(Customer.id)).where(col(Customer.erased_at).is_not(None))
    filled = [getattr(Customer, f).is_not(None) for f in PERSONAL_FIELDS]
    ids = list(conn.scalars(
        select(col(Customer.id)).where(col(Customer.erased_at).is_not(None), or_(*filled))
        .limit(MAX_LISTED)
    ))  # fmt: skip
    if ids:
        problems.append(f"Erased customer(s) {_numbers(ids)} still hold personal fields.")
    for name in PERSONAL_TABLES:
        table = _table(name)
        column = table.c.customer_id
        ids = list(conn.scalars(
            select(column).where(column.in_(erased)).distinct().order_by(column).limit(MAX_LISTED)
        ))  # fmt: skip
        if ids:
            problems.append(f"Erased customer(s) {_numbers(ids)} still have {name} rows.")
    history = ChangeRecord
    ids = list(conn.scalars(
        select(col(history.customer_id)).where(
            col(history.customer_id).in_(erased),
            or_(col(history.old_value).is_not(None), col(history.new_value).is_not(None)),
        ).distinct().limit(MAX_LISTED)
    ))  # fmt: skip
    if ids:
        problems.append(f"Erased customer(s) {_numbers(ids)} still have values in their history.")
    return problems


def shared_emails(conn: Connection) -> list[str]:
    """E-mail keys held by more than one customer (the unique index should forbid it)."""
    rows = conn.execute(
        select(col(Customer.email_key), func.count(), func.min(col(Customer.id)))
        .where(col(Customer.email_key).is_not(None))
        .group_by(col(Customer.email_key))
        .having(func.count() > 1)
        .limit(MAX_LISTED)
    ).all()
    return [
        f"{count:,} customers share the e-mail {key} (first {format_number(int(first or 0))}); "
        "merge them."
        for key, count, first in rows
    ]
