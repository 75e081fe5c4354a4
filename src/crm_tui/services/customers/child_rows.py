"""Shared mechanics for editing a child row: diff, conflict check, history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from crm_tui.models import Customer
from crm_tui.services import history
from crm_tui.services.common import load_row, lock_customer
from crm_tui.services.errors import (
    ChildRefused,
    ConflictError,
    FieldConflict,
    NotFound,
    ValidationError,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RowT = TypeVar("RowT", bound=SQLModel)
ReadT = TypeVar("ReadT", bound="DataclassInstance")


def read_of(read: type[ReadT], row: SQLModel, **extra: Any) -> ReadT:
    """`row` as the frozen dataclass `read` (the fields it names, `extra` for the rest),
    safe after the session closes.

    Services hand these to the UI and CLI instead of live rows, so nothing
    lazy-loads or changes under a widget once the session is gone.
    """
    values = {f.name: getattr(row, f.name) for f in fields(read) if f.name not in extra}
    return read(**values, **extra)


def live_customer(session: Session, customer_id: int) -> Customer:
    """The customer row, locked; refuses erased and merged customers."""
    customer = lock_customer(session, customer_id)
    if customer.erased_at is not None:
        raise ValidationError("customer", "This customer's data was erased; nothing can be added.")
    if customer.status == "merged":
        raise ValidationError(
            "customer", "This customer was merged into another; edit the surviving customer."
        )
    return customer


def load_child(
    session: Session, model: type[RowT], row_id: int, customer_id: int | None = None
) -> RowT:
    missing = f"That {str(model.__tablename__).replace('_', ' ')} no longer exists."
    try:
        row = load_row(session, model, row_id, missing=missing, lock=True)
    except NotFound:
        _refuse_if_hidden(session, model, row_id)
        raise
    if customer_id is not None and row.customer_id != customer_id:  # type: ignore[attr-defined]
        raise NotFound(missing)
    return row


def _refuse_if_hidden(session: Session, model: type[RowT], row_id: int) -> None:
    """PostgreSQL's row-level security hides a row from SELECT ... FOR UPDATE when a
    clerk may not change its customer (migrations 0013, 0016): say whose it is."""
    owner_of = getattr(model, "customer_id", None)
    if owner_of is None or session.get_bind().dialect.name != "postgresql":
        return
    found = session.scalar(select(owner_of).where(model.id == row_id))  # type: ignore[attr-defined]
    if found is not None:
        lock_customer(session, int(found))


def record_create(
    session: Session, row: Any, entity: str, actor: str, fields: dict[str, Any]
) -> None:
    session.flush()
    history.record(
        session,
        actor=actor,
        customer_id=row.customer_id,
        entity=entity,
        entity_id=row.id,
        action="create",
        version=getattr(row, "version", 1),
        changes={k: (None, v) for k, v in fields.items() if v not in (None, "", False)},
    )


def refuse_overlap(
    session: Session, entity: str, row: Any, expected_version: int, diff: dict[str, tuple[Any, Any]]
) -> None:
    """A save made on `expected_version` of a row saved since: ConflictError when another
    save changed one of the same fields to something else; edits to other fields merge."""
    since = history.changes_since(session, entity, row.id, expected_version)
    conflicts = [
        FieldConflict(field=f, then=since[f][0], now=since[f][1], yours=history.as_text(new))
        for f, (_old, new) in diff.items()
        if f in since and since[f][1] != history.as_text(new)
    ]
    if conflicts:
        raise ConflictError(entity.replace("_", " "), conflicts, row.version, row_id=row.id)


def apply_changes(
    session: Session,
    row: Any,
    cleaned: dict[str, Any],
    *,
    entity: str,
    actor: str,
    expected_version: int | None,
) -> dict[str, tuple[Any, Any]]:
    """Set changed fields, bump the version and log them.

    A stale `expected_version` only fails when another save changed one of the
    same fields to something else; edits to different fields merge.
    """
    diff = {f: (getattr(row, f), v) for f, v in cleaned.items() if getattr(row, f) != v}
    if expected_version is not None and row.version != expected_version:
        refuse_overlap(session, entity, row, expected_version, diff)
    if not diff:
        return diff
    for field, (_old, new) in diff.items():
        setattr(row, field, new)
    row.version += 1
    session.flush()
    history.record(
        session,
        actor=actor,
        customer_id=row.customer_id,
        entity=entity,
        entity_id=row.id,
        action="update",
        version=row.version,
        changes=diff,
    )
    return diff


def record_delete(session: Session, row: Any, entity: str, actor: str, summary: str) -> None:
    history.record(
        session,
        actor=actor,
        customer_id=row.customer_id,
        entity=entity,
        entity_id=row.id,
        action="delete",
        version=getattr(row, "version", 0) + 1,
        changes={entity: (summary, None)},
    )
    session.delete(row)
    session.flush()


@contextmanager
def naming(entity: str, *, index: int | None = None, row_id: int | None = None) -> Iterator[None]:
    """Re-raise a child's refusal as ChildRefused, saying which child it was."""
    try:
        yield
    except ValidationError as error:
        raise ChildRefused(
            entity, error.field, error.message, index=index, row_id=row_id
        ) from error
