"""Rules several service packages share, written once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from crm_tui.db.values import as_money as as_money  # many services import it here
from crm_tui.models import Customer, Tag, format_number
from crm_tui.models.enums import CustomerStatus
from crm_tui.naming import display_name as display_name  # many services import it here
from crm_tui.services.errors import NotFound, PermissionRefused
from crm_tui.services.roles.policy import owner_refusal
from crm_tui.services.validation import text_key

T = TypeVar("T")
RowT = TypeVar("RowT", bound=SQLModel)


def not_merged() -> ColumnElement[bool]:
    """Customers not merged into another (a merged one only points at its survivor)."""
    return col(Customer.status) != CustomerStatus.MERGED.value


def not_erased() -> ColumnElement[bool]:
    """Customers whose data was not erased on request."""
    return col(Customer.erased_at).is_(None)


def live_customer() -> ColumnElement[bool]:
    """Customers that can still change: not merged, not erased."""
    return and_(not_merged(), not_erased())


def core_table(model: type[Any]) -> Table:
    """A model's Core table: statements on it run as given (no ORM bulk rules)."""
    return cast(Table, model.__table__)


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """`items` a list of at most `size` at a time (to keep IN lists and batches bounded)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`: the lower bound of a day-based period."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def name_columns() -> list[Any]:
    """The customer columns display_name() takes, in its order (for a select list)."""
    return [
        col(Customer.kind),
        col(Customer.first_name),
        col(Customer.last_name),
        col(Customer.company_name),
    ]


def ensure_tag(db: Session | Connection, name: str) -> int:
    """The id of the tag named `name` (any case), created if missing.

    Works in an ORM session (one customer, imports) and on a bare connection
    (bulk actions) alike.
    """
    key = text_key(name)
    query = select(col(Tag.id)).where(col(Tag.name_key) == key)
    tag_id = db.scalar(query)
    if tag_id is None:
        try:
            with db.begin_nested():  # another clerk may create the same tag right now
                db.execute(
                    insert(Tag).values(Tag(name=name, name_key=key).model_dump(exclude={"id"}))
                )
        except IntegrityError:
            pass
        tag_id = db.scalar(query)
    assert tag_id is not None
    return int(tag_id)


def reserve_ids(session: Session, model: type[Any], count: int) -> list[int]:
    """`count` fresh ids for explicit inserts into `model`'s table, in this transaction.

    PostgreSQL: from the table's serial sequence, as a plain INSERT would take
    them (never reused, even if this transaction rolls back). The sequence is
    found once per call (pg_get_serial_sequence in a materialized CTE): called in
    the select list, it looked the sequence up in the catalogue for every id,
    0.20 s of server CPU per 50,000 ids against 0.03 s. SQLite: past the
    largest id, which is safe because a write transaction holds the database's
    only write lock until it commits.
    """
    if count <= 0:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        sql = text(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(:table, 'id')::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, :n)"
        )
        return [int(i) for i in session.scalars(sql, {"table": table.name, "n": count})]
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + 1 + count))


def load_row(
    session: Session, model: type[RowT], row_id: int, *, missing: str, lock: bool = False
) -> RowT:
    """The row with this id, locked for the transaction when `lock` (PostgreSQL);
    NotFound with the sentence `missing` when there is none."""
    query = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFound(missing)
    return row


def lock_customer(session: Session, customer_id: int) -> Customer:
    """The customer row, locked for the rest of the transaction; NotFound if there is none.

    PostgreSQL's row-level security hides a row from SELECT ... FOR UPDATE
    when the clerk may not change it (migration 0013): that is said as the
    owner refusal, not as a missing customer.
    """
    missing = f"There is no customer {format_number(customer_id)}."
    try:
        return load_row(session, Customer, customer_id, missing=missing, lock=True)
    except NotFound:
        if session.get_bind().dialect.name != "postgresql":
            raise
        seen = session.execute(
            select(col(Customer.owner), text("session_user")).where(col(Customer.id) == customer_id)
        ).first()
        if seen is None:
            raise
        owner, login = seen
        number = format_number(customer_id)
        raise PermissionRefused(owner_refusal(str(login), number, owner or "nobody")) from None
