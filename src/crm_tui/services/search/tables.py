"""The tables search reads, and one result row turned into a `CustomerRow`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlmodel import SQLModel

from crm_tui.models import format_number
from crm_tui.services.common import display_name
from crm_tui.services.search.values import CustomerRow

AnyRow = Row[*tuple[Any, ...]]

# Core tables: their columns type-check as SQL expressions, unlike SQLModel
# attributes, which mypy sees as plain values.
CUSTOMER = SQLModel.metadata.tables["customer"]
SUMMARY = SQLModel.metadata.tables["customer_summary"]
DOCS = SQLModel.metadata.tables["customer_search"]
CUSTOMER_TAG = SQLModel.metadata.tables["customer_tag"]
SEGMENT_MEMBER = SQLModel.metadata.tables["segment_member"]
TAG = SQLModel.metadata.tables["tag"]
INVOICE = SQLModel.metadata.tables["invoice"]

ROW_COLUMNS = (
    CUSTOMER.c.id,
    CUSTOMER.c.kind,
    CUSTOMER.c.status,
    CUSTOMER.c.first_name,
    CUSTOMER.c.last_name,
    CUSTOMER.c.company_name,
    CUSTOMER.c.email,
    CUSTOMER.c.phone,
    CUSTOMER.c.created_at,
    CUSTOMER.c.sort_name,
    CUSTOMER.c.email_key,
    CUSTOMER.c.phone_digits,
    SUMMARY.c.lifetime_value,
    SUMMARY.c.active_subscriptions,
    SUMMARY.c.last_purchase_at,
    SUMMARY.c.outstanding_balance,
)


def to_row(row: AnyRow, near_miss: bool = False) -> CustomerRow:
    """A fetched row of ROW_COLUMNS as the plain value the list shows."""
    return CustomerRow(
        id=row.id,
        number=format_number(row.id),
        display_name=display_name(row.kind, row.first_name, row.last_name, row.company_name),
        kind=row.kind,
        status=row.status,
        email=row.email,
        phone=row.phone,
        company_name=row.company_name,
        lifetime_value=row.lifetime_value,
        active_subscriptions=row.active_subscriptions,
        created_at=row.created_at,
        last_purchase_at=row.last_purchase_at,
        near_miss=near_miss,
        outstanding_balance=row.outstanding_balance,
    )
