"""Search documents compared with what the customers' rows say now (and rebuilt).

A stored document is stale when a write changed a customer without
refreshing it (or someone edited the table by hand); the customer is then
found by old values and missed by new ones. Documents are built in Python
(`search.document.build_doc`), so the comparison runs a batch of customers
at a time: a random sample by default, every customer with `full`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import Connection, delete, func, insert, select
from sqlmodel import col

from crm_tui.models import Contact, ContactPoint, Customer, CustomerSearch, CustomField
from crm_tui.services.search.document import build_doc, point_words

SAMPLE = 2_000
BATCH = 2_000
_FIELDS = (col(Customer.id), col(Customer.first_name), col(Customer.last_name),
           col(Customer.company_name), col(Customer.email), col(Customer.phone))  # fmt: skip


def _expected(conn: Connection, rows: list[Any]) -> dict[int, str]:
    ids = [int(r.id) for r in rows]
    names: dict[int, list[str]] = {i: [] for i in ids}
    contacts = (
        select(col(Contact.customer_id), col(Contact.first_name), col(Contact.last_name))
        .where(col(Contact.customer_id).in_(ids))
        .order_by(col(Contact.id))
    )
    for cid, first, last in conn.execute(contacts):
        names[int(cid)].append(" ".join(p for p in (first, last) if p))
    # The same extra words, in the same order, as search.document.refresh writes.
    extra: dict[int, list[str]] = {i: [] for i in ids}
    custom = (
        select(col(CustomField.customer_id), col(CustomField.value))
        .where(col(CustomField.customer_id).in_(ids))
        .order_by(col(CustomField.id))
    )
    for cid, value in conn.execute(custom):
        extra[int(cid)].append(value)
    points = (
        select(col(ContactPoint.customer_id), col(ContactPoint.kind), col(ContactPoint.value))
        .where(col(ContactPoint.customer_id).in_(ids), ~col(ContactPoint.is_primary))
        .order_by(col(ContactPoint.id))
    )
    for cid, kind, value in conn.execute(points):
        extra[int(cid)].extend(point_words([(kind, value)]))
    return {
        int(r.id): build_doc(cast(Customer, r), names[int(r.id)], extra[int(r.id)]) for r in rows
    }


def _batches(conn: Connection, full: bool) -> Iterator[list[Any]]:
    live = col(Customer.erased_at).is_(None)
    if not full:
        sample = select(*_FIELDS).where(live).order_by(func.random()).limit(SAMPLE)
        yield list(conn.execute(sample))
        return
    last = 0
    while True:
        rows = list(conn.execute(
            select(*_FIELDS).where(live, col(Customer.id) > last).order_by(col(Customer.id)).limit(BATCH)
        ))  # fmt: skip
        if not rows:
            return
        yield rows
        last = int(rows[-1].id)


def stale_documents(conn: Connection, *, full: bool) -> tuple[int, list[int]]:
    """(customers compared, ids whose stored document is missing or differs)."""
    compared, stale = 0, list[int]()
    for rows in _batches(conn, full):
        expected = _expected(conn, rows)
        stored = dict(conn.execute(
            select(col(CustomerSearch.customer_id), col(CustomerSearch.doc))
            .where(col(CustomerSearch.customer_id).in_(list(expected)))
        ).all())  # fmt: skip
        compared += len(rows)
        stale.extend(cid for cid, doc in expected.items() if stored.get(cid) != doc)
    return compared, sorted(stale)


def rewrite_documents(conn: Connection, customer_ids: list[int]) -> None:
    """Write these customers' documents afresh (erased customers get none)."""
    for start in range(0, len(customer_ids), BATCH):
        chunk = customer_ids[start : start + BATCH]
        rows = list(conn.execute(
            select(*_FIELDS).where(col(Customer.id).in_(chunk), col(Customer.erased_at).is_(None))
        ))  # fmt: skip
        conn.execute(delete(CustomerSearch).where(col(CustomerSearch.customer_id).in_(chunk)))
        docs = [{"customer_id": cid, "doc": doc} for cid, doc in _expected(conn, rows).items()]
        if docs:
            conn.execute(insert(CustomerSearch), docs)
