"""Recording and reading the change log, always inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ChangeRecord
from crm_tui.naming import who as who  # the UI and tests import it here
from crm_tui.services import history_names
from crm_tui.services.context import ServiceContext


def as_text(value: object) -> str | None:
    """How a value is kept in the log: ISO dates, plain decimals, 'yes'/'no'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def record(
    session: Session,
    *,
    actor: str,
    customer_id: int | None,
    entity: str,
    entity_id: int,
    action: str,
    version: int = 0,
    changes: dict[str, tuple[object, object]] | None = None,
) -> None:
    """Add one row per changed field (or one row for create/delete without fields)."""
    rows = changes.items() if changes else [("", (None, None))]
    for field, (old, new) in rows:
        session.add(
            ChangeRecord(
                customer_id=customer_id,
                entity=entity,
                entity_id=entity_id,
                action=action,
                field=field,
                old_value=as_text(old),
                new_value=as_text(new),
                version=version,
                actor=actor,
            )
        )


def record_customer(
    session: Session,
    customer_id: int,
    *,
    actor: str,
    action: str,
    version: int = 0,
    changes: dict[str, tuple[object, object]] | None = None,
) -> None:
    """A change to the customer's own row, logged under the customer itself."""
    record(session, actor=actor, customer_id=customer_id, entity="customer",
           entity_id=customer_id, action=action, version=version, changes=changes)  # fmt: skip


# The change_history columns in the order `record_selected` expects them.
COLUMNS = ("customer_id", "entity", "entity_id", "action", "field", "old_value", "new_value",
           "version", "actor", "changed_at")  # fmt: skip


def record_selected(db: Session | Connection, source: Select[*tuple[Any, ...]]) -> None:
    """History rows written by the database in one INSERT ... SELECT (bulk changes):
    `source` selects one row per line, its columns in COLUMNS order."""
    db.execute(insert(ChangeRecord).from_select(list(COLUMNS), source))


def changes_since(
    session: Session, entity: str, entity_id: int, version: int
) -> dict[str, tuple[str | None, str | None]]:
    """Fields changed after `version`: field -> (value at `version`, value now)."""
    rows = session.scalars(
        select(ChangeRecord)
        .where(
            col(ChangeRecord.entity) == entity,
            col(ChangeRecord.entity_id) == entity_id,
            col(ChangeRecord.version) > version,
            col(ChangeRecord.field) != "",
        )
        .order_by(col(ChangeRecord.version), col(ChangeRecord.id))
    ).all()
    result: dict[str, tuple[str | None, str | None]] = {}
    for row in rows:
        then = result[row.field][0] if row.field in result else row.old_value
        result[row.field] = (then, row.new_value)
    return result


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a customer's change log, as shown to people.

    `login` is who the database says made the change (PostgreSQL's
    session_user, or the OS login on SQLite); `actor` is the clerk name
    that login's app was configured with, said beside it.
    """

    changed_at: datetime
    login: str
    actor: str
    entity: str
    entity_id: int
    action: str
    field: str
    old_value: str | None
    new_value: str | None
    # As people read them: the row named ("card Visa •••• 4242"; "" for the customer),
    # the field's name ("card") and the values with ids of other rows named.
    subject: str = ""
    field_label: str = ""
    old_shown: str | None = None
    new_shown: str | None = None
    id: int = 0  # the log's own order: a newer row has a larger id

    @property
    def who(self) -> str:
        """The login, with the configured clerk name beside it when that says more."""
        return who(self.login, self.actor)


class HistoryService:
    """Reads a customer's change log, newest first, a page at a time."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def for_customer(
        self,
        customer_id: int,
        *,
        limit: int = 200,
        before_id: int | None = None,
        after_id: int | None = None,
    ) -> list[HistoryEntry]:
        """Newest first; `before_id`/`after_id` keep the log rows older/newer than that one."""
        with self.ctx.read() as session:
            query = customer_log(customer_id, limit=limit, before_id=before_id, after_id=after_id)
            return _entries(session, session.scalars(query).all())

    def for_row(
        self, customer_id: int, entity: str, entity_id: int, *, after_version: int
    ) -> list[HistoryEntry]:
        """One row's changes (an address, a note...) saved after `after_version`, newest
        first: what an edit form opened at that version has not seen."""
        with self.ctx.read() as session:
            rows = session.scalars(
                select(ChangeRecord)
                .where(
                    col(ChangeRecord.customer_id) == customer_id,
                    col(ChangeRecord.entity) == entity,
                    col(ChangeRecord.entity_id) == entity_id,
                    col(ChangeRecord.version) > after_version,
                )
                .order_by(col(ChangeRecord.id).desc())
                .limit(50)
            ).all()
            return _entries(session, rows)


def customer_log(
    customer_id: int, *, limit: int, before_id: int | None = None, after_id: int | None = None
) -> Select[ChangeRecord]:
    """A customer's log rows, newest first (see HistoryService.for_customer)."""
    query = select(ChangeRecord).where(col(ChangeRecord.customer_id) == customer_id)
    if before_id is not None:
        query = query.where(col(ChangeRecord.id) < before_id)
    if after_id is not None:
        query = query.where(col(ChangeRecord.id) > after_id)
    return query.order_by(col(ChangeRecord.id).desc()).limit(limit)


def _entries(session: Session, rows: Sequence[ChangeRecord]) -> list[HistoryEntry]:
    """Log rows as people read them, the rows and ids they mention named."""
    names = history_names.read_names(session, rows)
    return [
        HistoryEntry(
            changed_at=r.changed_at,
            login=r.login,
            actor=r.actor,
            entity=r.entity,
            entity_id=r.entity_id,
            action=r.action,
            field=r.field,
            old_value=r.old_value,
            new_value=r.new_value,
            subject=names.subject(r.entity, r.entity_id),
            field_label=history_names.field_label(r.field),
            old_shown=names.value(r.field, r.old_value),
            new_shown=names.value(r.field, r.new_value),
            id=r.id or 0,
        )
        for r in rows
    ]
