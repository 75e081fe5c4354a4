"""Data-protection erase: personal data goes, anonymised money records stay."""

from __future__ import annotations

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.db.engine import Database
from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    Customer,
    CustomerTag,
    Note,
    Payment,
    PaymentMethod,
    SegmentMember,
    Subscription,
)
from crm_tui.models.enums import CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.customers.rules import EDITABLE_FIELDS
from crm_tui.services.search import document as search_doc


def erase_personal_data(session: Session, customer: Customer, *, actor: str) -> None:
    """Blank the customer's own fields and delete or blank everything that names them.

    The caller holds the customer row locked, in the erase's one transaction.
    """
    customer_id = customer.id
    assert customer_id is not None
    for field in EDITABLE_FIELDS:
        if field not in ("kind", "status", "loyalty_points", "contact_channels"):
            setattr(customer, field, None)
    customer.first_name = "Erased"
    customer.last_name = "customer"
    customer.contact_channels = ""
    customer.loyalty_points = 0
    if customer.status != CustomerStatus.MERGED:  # a merged one still points at its survivor
        customer.status = CustomerStatus.INACTIVE.value
    customer.email_key = None
    customer.phone_digits = None
    customer.sort_name = "erased customer"
    customer.erased_at = utcnow()
    customer.version += 1
    for model in (Address, Contact, Note, PaymentMethod, CustomerTag, SegmentMember):
        session.execute(delete(model).where(col(model.customer_id) == customer_id))
    session.execute(
        update(ChangeRecord)
        .where(col(ChangeRecord.customer_id) == customer_id)
        .values(old_value=None, new_value=None)
    )
    # Money stays, but its free text (a reference, a device serial) can name the person.
    session.execute(
        update(Payment).where(col(Payment.customer_id) == customer_id).values(reference=None)
    )
    session.execute(
        update(Subscription)
        .where(col(Subscription.customer_id) == customer_id)
        .values(asset_serial=None)
    )
    history.record(
        session,
        actor=actor,
        customer_id=customer_id,
        entity="customer",
        entity_id=customer_id,
        action="erase",
        version=customer.version,
    )
    search_doc.refresh(session, customer_id)


def purge_sqlite_remnants(db: Database) -> None:
    """Make the erased bytes really gone from the SQLite file and its WAL.

    FTS5 only marks deleted entries; merging its segments ('optimize')
    rewrites the index without them. secure_delete zeroes freed pages, and
    the checkpoint moves everything out of the WAL. Optimizing rewrites the
    whole index, which costs seconds on a large database; erase is rare.
    """
    with db.engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
            )
        ]
    with db.write() as session:
        for table in tables:  # names from sqlite_master, not user input
            session.execute(text(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')'))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
