"""The tables search reads (Core tables of the models' metadata) and the columns of a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, String
from sqlalchemy.sql import column, table
from sqlmodel import SQLModel

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

# The spelling index (migration 0015): the distinct words of the documents,
# kept in step by triggers; not a model, nothing writes it but the database.
SPELLING = table("search_word", column("word", String))

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
    SUMMARY.c.oldest_due,
)
