"""The data-protection erase: one idempotent, resumable operation.

    result = erase_customer(ctx, customer_id)

Step 1, one transaction: the customer and every customer merged into it
(directly or through a chain of merges: their rows still hold the
person's name, e-mail and birth date) lose their personal data; money
rows stay, anonymised. Step 2, outside it: the bytes go from disk. On
SQLite the FTS5 indexes are merged ('optimize', which drops the entries
it had only marked deleted), and the WAL is checkpointed into the file
and truncated; secure_delete has already zeroed freed pages. Another
connection reading an older snapshot stops the checkpoint from finishing;
that is reported (`EraseResult.pending`), never passed off as done. On
PostgreSQL the touched tables are vacuumed so dead row versions go.

Step 1 commits before step 2 starts, so a kill between them leaves an
erased customer with bytes still on disk. Running the erase again skips
step 1 for customers already erased and redoes step 2: that is how a
re-run finishes the cleanup.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    ContactPoint,
    Customer,
    CustomerSearch,
    CustomerTag,
    CustomField,
    Invoice,
    InvoiceReminder,
    Note,
    Payment,
    PaymentMethod,
    SegmentMember,
    Subscription,
)
from crm_tui.models.enums import CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.common import lock_customer
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers.rules import EDITABLE_FIELDS
from crm_tui.services.roles.policy import Capability
from crm_tui.services.search import document as search_doc
from crm_tui.services.search.words import prune_words

KEPT_FIELDS = ("kind", "status", "loyalty_points", "contact_channels")
PERSONAL_CHILDREN = (Address, Contact, Note, PaymentMethod, CustomerTag, SegmentMember, CustomField,
                     ContactPoint)  # fmt: skip
# Tables whose old row versions can hold the person (PostgreSQL keeps them until VACUUM).
VACUUMED = tuple(
    m.__tablename__ for m in (Customer, CustomerSearch, ChangeRecord, Payment, Subscription)
) + tuple(m.__tablename__ for m in PERSONAL_CHILDREN)


@dataclass(frozen=True)
class EraseResult:
    """Who was erased now, who had been already, and what cleanup is still pending."""

    erased: tuple[int, ...]
    already: tuple[int, ...]
    pending: str = ""  # empty when no copy is left on disk

    @property
    def complete(self) -> bool:
        return not self.pending


def erase_customer(ctx: ServiceContext, customer_id: int) -> EraseResult:
    """Erase the customer and those merged into it, then purge the remnants."""
    with ctx.write(Capability.ERASE) as session:
        lock_customer(session, customer_id)  # NotFound for an unknown id
        targets = _with_merged_into(session, customer_id)
        erased, already = [], []
        for cid in targets:
            customer = lock_customer(session, cid)
            if customer.erased_at is not None:
                already.append(cid)
                continue
            _erase_row(session, customer, ctx.actor)
            erased.append(cid)
        prune_words(session)  # no word of the person (or of a name they had) stays
    pending = purge_remnants(ctx)
    return EraseResult(tuple(erased), tuple(already), pending)


def _with_merged_into(session: Session, customer_id: int) -> list[int]:
    """The customer, then every customer merged into it (through any chain of merges)."""
    found = [customer_id]
    frontier = [customer_id]
    while frontier:
        rows = session.scalars(
            select(col(Customer.id))
            .where(
                col(Customer.merged_into_id).in_(frontier),
                col(Customer.status) == CustomerStatus.MERGED.value,
                col(Customer.id).not_in(found),
            )
            .order_by(col(Customer.id))
        ).all()
        frontier = [int(r or 0) for r in rows]
        found.extend(frontier)
    return found


def _erase_row(session: Session, customer: Customer, actor: str) -> None:
    cid = customer.id
    assert cid is not None
    for field in EDITABLE_FIELDS:
        if field not in KEPT_FIELDS:
            setattr(customer, field, None)
    customer.first_name = "Erased"
    customer.last_name = "customer"
    customer.contact_channels = ""
    customer.loyalty_points = 0
    if customer.status != CustomerStatus.MERGED:  # a merged one still points at its survivor
        customer.status = CustomerStatus.INACTIVE.value
    else:
        customer.status_reason = None
    customer.email_key = None
    customer.phone_digits = None
    customer.sort_name = "erased customer"
    customer.erased_at = utcnow()
    customer.version += 1
    for model in PERSONAL_CHILDREN:
        session.execute(delete(model).where(col(model.customer_id) == cid))
    session.execute(
        update(ChangeRecord)
        .where(col(ChangeRecord.customer_id) == cid)
        .values(old_value=None, new_value=None)
    )
    # Money stays, but its free text (a reference, a device serial) can name the person.
    session.execute(update(Payment).where(col(Payment.customer_id) == cid).values(reference=None))
    session.execute(
        update(Subscription).where(col(Subscription.customer_id) == cid).values(asset_serial=None)
    )
    # Invoices are kept (their numbers must stay gap-free), but the notes
    # printed on them came from the customer's notes, and reminders name the
    # address they went to.
    invoices = select(col(Invoice.id)).where(col(Invoice.customer_id) == cid)
    session.execute(update(Invoice).where(col(Invoice.customer_id) == cid).values(notes=""))
    session.execute(
        update(InvoiceReminder)
        .where(col(InvoiceReminder.invoice_id).in_(invoices))
        .values(recipient="")
    )
    history.record_customer(session, cid, actor=actor, action="erase", version=customer.version)
    search_doc.refresh(session, cid)


def purge_remnants(ctx: ServiceContext) -> str:
    """Remove old copies from disk; '' when done, else what is still pending and why."""
    if ctx.db.dialect == "sqlite":
        return _purge_sqlite(ctx)
    return _vacuum_postgresql(ctx)


def _purge_sqlite(ctx: ServiceContext) -> str:
    """FTS5 'optimize' (rewrites each index without its deleted entries), then checkpoint.

    Optimizing rewrites the whole index, which costs seconds on a large
    database; erase is rare.
    """
    with ctx.db.engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
            )
        ]
    with ctx.db.write() as session:
        for table in tables:  # names from sqlite_master, not user input
            session.execute(text(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')'))
    with ctx.db.engine.connect() as conn:
        busy, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy or (log > 0 and done < log):
        return (
            "another program has the database open, so old copies are still in its "
            f"write-ahead log ({max(log - done, 0):,} of {max(log, 0):,} pages not yet "
            "written back); close it and run the erase again to finish"
        )
    return ""


def _vacuum_postgresql(ctx: ServiceContext) -> str:
    """VACUUM the touched tables, so dead row versions holding the data are freed."""
    try:
        with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM " + ", ".join(VACUUMED))  # fixed names
    except DBAPIError as exc:  # a clerk's login may not own the tables
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        return f"the database refused to vacuum ({first}), so old row versions remain until it does"
    return ""
