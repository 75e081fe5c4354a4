"""Ids for a demo batch, taken inside the batch's transaction.

The demo writes explicit ids (one executemany per table, no RETURNING), so
it must take them the way any other writer would: PostgreSQL's sequences
(nextval is never rolled back, so a stopped demo leaves no id behind that
a clerk could collide with), SQLite's max(id)+1 under the write lock the
batch holds. Rows are generated with batch-local ids 1..n per table
(customers' too); `assign_ids` swaps in the reserved ones and re-points the links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    Customer,
    Note,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Subscription,
)
from crm_tui.services.common import reserve_ids

# Tables whose rows the demo numbers itself, by the key _children counts them under.
CHILD_MODELS: dict[str, type[Any]] = {
    "address": Address,
    "contact": Contact,
    "payment_method": PaymentMethod,
    "subscription": Subscription,
    "customer_order": Order,
    "order_item": OrderItem,
    "payment": Payment,
    "note": Note,
}
# column -> the table its batch-local id points into
LINKS = {
    "order_id": "customer_order",
    "subscription_id": "subscription",
    "payment_method_id": "payment_method",
}
CHILD_ID_TABLES = tuple(CHILD_MODELS)
CHILD_KEYS = {model: key for key, model in CHILD_MODELS.items()}


def assign_ids(
    session: Session, batch: dict[type[Any], list[dict[str, Any]]], customer_ids: list[int]
) -> list[tuple[type[Any], list[dict[str, Any]]]]:
    """The batch's rows with reserved ids in place of the batch-local ones (customers'
    included: `customer_ids`, reserved by the caller)."""
    real = {key: reserve_ids(session, model, len(batch.get(model, [])))
            for key, model in CHILD_MODELS.items()}  # fmt: skip
    renumber(batch, customer_ids, real)
    return list(batch.items())


def renumber(
    batch: dict[type[Any], list[dict[str, Any]]],
    customer_ids: Sequence[int],
    real: Mapping[str, Sequence[int]],
) -> None:
    """Put `customer_ids` and each child table's `real` ids in place of the batch-local
    ones (local id n takes the n-th), links and payment references included."""
    for row in batch.get(Customer, []):
        row["id"] = customer_ids[row["id"] - 1]
    for model, rows in batch.items():
        if model is Customer:
            continue
        table_key = CHILD_KEYS.get(model)
        for row in rows:
            if "customer_id" in row:  # all but order items
                row["customer_id"] = customer_ids[row["customer_id"] - 1]
            if model is ChangeRecord:
                row["entity_id"] = row["customer_id"]  # the customer's creation
            if table_key is not None:
                row["id"] = real[table_key][row["id"] - 1]
                for column, target in LINKS.items():
                    if row.get(column) is not None:
                        row[column] = real[target][row[column] - 1]
                if model is Payment:
                    row["reference"] = payment_reference(row["id"])


def payment_reference(payment_id: int) -> str:
    return f"PAY-{payment_id:08d}"


def last_ids(session: Session) -> dict[str, int]:
    """SQLite: the largest id of the customer table and of each child table, read in one
    statement (under the batch's write lock, past them the ids are free)."""
    tables = ["customer", *CHILD_ID_TABLES]
    sql = "SELECT " + ", ".join(f"(SELECT coalesce(max(id), 0) FROM {t})" for t in tables)
    row = session.connection().exec_driver_sql(sql).one()
    return dict(zip(tables, map(int, row), strict=True))
