"""Merging duplicate customers into one, losing nothing.

    plan = merge.plan([12, 40])                  # fields with each one's value
    merge.merge([12, 40], keep=12, choices={"phone": 40})

Every row that points at a customer moves to the survivor. The tables are
found from the foreign keys to customer.id in the metadata, so a table
added later is moved too: plain child rows are re-pointed in one UPDATE;
link tables whose key includes the customer (tags, segment memberships)
get the survivor's missing links and lose the others; summary and search
rows are recomputed. "Only one" flags (default billing address, primary
contact, default card) keep the survivor's. The others stay as customers
with status merged pointing at the survivor (their e-mail key is freed so
the survivor can take the address), and history records the merge on both
sides, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from crm_tui.models import (
    ContactPoint,
    Customer,
    CustomerSearch,
    CustomerSummary,
    CustomField,
    format_number,
)
from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.billing import summary
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers.contact_points import sync_primaries
from crm_tui.services.customers.rules import (
    BUSINESS_ONLY,
    EDITABLE_FIELDS,
    check_whole,
    derived_columns,
)
from crm_tui.services.customers.service import CustomerRead, tag_names, to_read
from crm_tui.services.errors import ConflictError, NotFound, ValidationError
from crm_tui.services.merge.scan import ScanResult, scan
from crm_tui.services.roles.policy import Capability
from crm_tui.services.search import document as search_doc

# Fields offered for a choice; status_reason follows status.
CHOICE_FIELDS = tuple(f for f in EDITABLE_FIELDS if f != "status_reason")
ONLY_ONE_FLAGS = {
    "address": "is_default_billing",
    "contact": "is_primary",
    "payment_method": "is_default",
}
RECOMPUTED = {CustomerSummary.__tablename__, CustomerSearch.__tablename__}


def drop_repeats(session: Session, keep: int, losers: list[int]) -> None:
    """Before the move: the losers' custom fields named like one the survivor (or an
    earlier loser) has are dropped, one value per name; the survivor's value wins.
    Their e-mails, phones and web addresses come along as the survivor's others,
    except those it already has."""
    seen = set(session.scalars(
        select(col(CustomField.name_key)).where(col(CustomField.customer_id) == keep)))  # fmt: skip
    rows = session.scalars(select(CustomField).where(
        col(CustomField.customer_id).in_(losers)).order_by(col(CustomField.id)))  # fmt: skip
    for row in rows:
        if row.name_key in seen:
            session.delete(row)
        seen.add(row.name_key)
    points: set[tuple[str, str]] = {(kind, key) for kind, key in session.execute(
        select(col(ContactPoint.kind), col(ContactPoint.value_key))
        .where(col(ContactPoint.customer_id) == keep))}  # fmt: skip
    moving = session.scalars(select(ContactPoint).where(
        col(ContactPoint.customer_id).in_(losers)).order_by(col(ContactPoint.id)))  # fmt: skip
    for point in moving:  # the survivor's primaries win; the losers' come as others
        if (point.kind, point.value_key) in points:
            session.delete(point)
        else:
            point.is_primary = False
        points.add((point.kind, point.value_key))
    session.flush()


@dataclass(frozen=True)
class FieldChoice:
    """One field: each customer's value (shown as text) and the default winner."""

    field: str
    values: tuple[tuple[int, str], ...]  # (customer id, value as text)
    default: int

    @property
    def differs(self) -> bool:
        return len({v for _i, v in self.values}) > 1


@dataclass(frozen=True)
class MergePlan:
    """What merging these customers would do."""

    customers: tuple[CustomerRead, ...]
    keep: int
    fields: tuple[FieldChoice, ...]
    children: dict[str, int]  # table -> rows that will move to the survivor


@dataclass(frozen=True)
class MergeResult:
    survivor: CustomerRead
    merged: tuple[int, ...]
    moved: dict[str, int]


def customer_references() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) with a foreign key to customer.id, from the metadata."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == Customer.__tablename__ and fk.column.name == "id":
                out.append((table, fk.parent))
    return out


def _text(value: object) -> str:
    return history.as_text(value) or ""


def _empty(value: object) -> bool:
    return value in (None, "", 0)


def default_choices(customers: list[Customer], keep: int) -> dict[str, int]:
    """The survivor's value, unless empty: then the first other customer's non-empty one."""
    ordered = sorted(customers, key=lambda c: c.id != keep)
    choices: dict[str, int] = {}
    for field in CHOICE_FIELDS:
        winner = next((c for c in ordered if not _empty(getattr(c, field))), ordered[0])
        choices[field] = winner.id or 0
    by_id = {c.id: c for c in customers}
    if by_id[choices["kind"]].kind == CustomerKind.INDIVIDUAL:
        for field in BUSINESS_ONLY:
            choices[field] = choices["kind"]
    return choices


class MergeService:
    """Finds duplicate groups and merges customers."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def find_groups(self, *, max_groups: int = 500) -> ScanResult:
        with self.ctx.read() as session:
            return scan(session, max_groups=max_groups)

    def plan(self, ids: list[int], keep: int | None = None) -> MergePlan:
        ids = self._check_ids(ids, keep)
        keep = keep or ids[0]
        with self.ctx.read() as session:
            customers = self._load(session, ids, lock=False)
            choices = default_choices(customers, keep)
            fields = tuple(
                FieldChoice(
                    f, tuple((c.id or 0, _text(getattr(c, f))) for c in customers), choices[f]
                )
                for f in CHOICE_FIELDS
            )
            children: dict[str, int] = {}
            losers = [i for i in ids if i != keep]
            for table, column in customer_references():
                if table.name in RECOMPUTED:
                    continue
                count = int(
                    session.scalar(
                        select(func.count()).select_from(table).where(column.in_(losers))
                    )
                    or 0
                )
                if count:
                    children[table.name] = count
            reads = tuple(to_read(c, tag_names(session, c.id or 0)) for c in customers)
        return MergePlan(reads, keep, fields, children)

    def merge(
        self,
        ids: list[int],
        *,
        keep: int,
        choices: dict[str, int] | None = None,
        expected_versions: dict[int, int] | None = None,
    ) -> MergeResult:
        """Merge `ids` into `keep`; `choices` maps a field to the customer whose value wins."""
        ids = self._check_ids(ids, keep)
        losers = [i for i in ids if i != keep]
        with self.ctx.write(Capability.MERGE) as session:
            customers = self._load(session, ids, lock=True)
            by_id = {c.id or 0: c for c in customers}
            for cid, version in (expected_versions or {}).items():
                if cid in by_id and by_id[cid].version != version:
                    raise ConflictError("customer", [], by_id[cid].version)
            merged, diff = _merged_fields(customers, by_id, keep, choices)
            survivor = by_id[keep]
            now = utcnow()
            for cid in losers:
                loser = by_id[cid]
                loser.email_key = None  # frees the e-mail for the survivor
                loser.version += 1
            session.flush()
            for field, (_old, new) in diff.items():
                setattr(survivor, field, new)
            for column, value in derived_columns(merged).items():
                setattr(survivor, column, value)
            survivor.version += 1
            survivor.updated_at = now
            session.flush()
            moved = self._move_children(session, keep, losers)
            sync_primaries(session, survivor)
            numbers = ", ".join(format_number(i) for i in losers)
            history.record_customer(
                session,
                keep,
                actor=self.ctx.actor,
                action="merge",
                version=survivor.version,
                changes={**diff, "merged_from": (None, numbers)},
            )
            for cid in losers:
                self._mark_merged(session, by_id[cid], keep, now)
            for cid in ids:
                summary.refresh(session, cid)
                search_doc.refresh(session, cid)
            session.flush()
            result = MergeResult(to_read(survivor, tag_names(session, keep)), tuple(losers), moved)
        return result

    # --- internals ------------------------------------------------------------------

    def _mark_merged(self, session: Session, loser: Customer, keep: int, now: datetime) -> None:
        """The loser becomes a shell pointing at the survivor, with a history line."""
        cid = loser.id or 0
        old_status = loser.status
        loser.status = CustomerStatus.MERGED.value
        loser.status_reason = f"Merged into {format_number(keep)}"
        loser.merged_into_id = keep
        loser.updated_at = now
        session.flush()
        history.record_customer(
            session,
            cid,
            actor=self.ctx.actor,
            action="merge",
            version=loser.version,
            changes={
                "status": (old_status, loser.status),
                "merged_into": (None, format_number(keep)),
            },
        )

    @staticmethod
    def _check_ids(ids: list[int], keep: int | None) -> list[int]:
        unique = list(dict.fromkeys(int(i) for i in ids))
        if len(unique) < 2:
            raise ValidationError("ids", "Choose at least two different customers to merge.")
        if keep is not None and keep not in unique:
            raise ValidationError(
                "keep", f"The customer to keep, {format_number(keep)}, is not among those merged."
            )
        return unique

    @staticmethod
    def _load(session: Session, ids: list[int], *, lock: bool) -> list[Customer]:
        query = select(Customer).where(col(Customer.id).in_(ids)).order_by(col(Customer.id))
        if lock:
            query = query.with_for_update()
        rows = {c.id: c for c in session.scalars(query)}
        for cid in ids:
            customer = rows.get(cid)
            if customer is None:
                raise NotFound(f"There is no customer {format_number(cid)}.")
            if customer.erased_at is not None:
                raise ValidationError(
                    "ids", f"Customer {format_number(cid)} was erased and cannot be merged."
                )
            if customer.status == CustomerStatus.MERGED:
                raise ValidationError("ids", f"Customer {format_number(cid)} was already merged into {format_number(customer.merged_into_id or 0)}.")  # fmt: skip
        return [rows[cid] for cid in ids]

    def _move_children(self, session: Session, keep: int, losers: list[int]) -> dict[str, int]:
        moved: dict[str, int] = {}
        flagged_before = self._flagged(session, keep)
        drop_repeats(session, keep, losers)
        for table, column in customer_references():
            if table.name in RECOMPUTED:
                continue
            if column.primary_key:
                count = self._move_links(session, table, column, keep, losers)
            else:
                result = session.execute(
                    update(table).where(column.in_(losers)).values({column.name: keep})
                )
                count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                moved[table.name] = count
        self._one_flag_each(session, keep, flagged_before)
        return moved

    @staticmethod
    def _move_links(
        session: Session, table: Table, column: Column[Any], keep: int, losers: list[int]
    ) -> int:
        """Link rows keyed by (customer, other): add the survivor's missing ones, drop the rest."""
        others = [c for c in table.primary_key.columns if c is not column]
        have = {tuple(r) for r in session.execute(select(*others).where(column == keep))}
        adding: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in session.execute(select(table).where(column.in_(losers))).mappings():
            key = tuple(row[c.name] for c in others)
            if key not in have and key not in adding:
                adding[key] = {**row, column.name: keep}
        count = int(
            session.scalar(select(func.count()).select_from(table).where(column.in_(losers))) or 0
        )
        session.execute(delete(table).where(column.in_(losers)))
        if adding:
            session.execute(table.insert(), list(adding.values()))
        return count

    @staticmethod
    def _flagged(session: Session, keep: int) -> dict[str, list[int]]:
        tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
        out: dict[str, list[int]] = {}
        for name, flag in ONLY_ONE_FLAGS.items():
            table = tables[name]
            out[name] = list(session.scalars(
                select(table.c.id).where(table.c.customer_id == keep, table.c[flag].is_(True)).order_by(table.c.id)))  # fmt: skip
        return out

    def _one_flag_each(self, session: Session, keep: int, before: dict[str, list[int]]) -> None:
        tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
        after = self._flagged(session, keep)
        for name, flag in ONLY_ONE_FLAGS.items():
            if len(after[name]) <= 1:
                continue
            winner = before[name][0] if before[name] else after[name][0]
            table = tables[name]
            session.execute(
                update(table)
                .where(table.c.id.in_([i for i in after[name] if i != winner]))
                .values({flag: False})
            )


def _merged_fields(
    customers: list[Customer],
    by_id: dict[int, Customer],
    keep: int,
    choices: dict[str, int] | None,
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The survivor's fields after the merge (each from the customer chosen for it),
    checked as a whole, and what changes on the survivor."""
    picked = {**default_choices(customers, keep), **(choices or {})}
    unknown = set(picked) - set(CHOICE_FIELDS)
    if unknown or not set(picked.values()) <= set(by_id):
        raise ValidationError("choices", "Each field's winner must be one of the merged customers.")
    current = {f: getattr(by_id[keep], f) for f in EDITABLE_FIELDS}
    merged = {f: getattr(by_id[picked[f]], f) for f in CHOICE_FIELDS}
    merged["status_reason"] = by_id[picked["status"]].status_reason
    check_whole(merged)
    diff = {f: (current[f], merged[f]) for f in EDITABLE_FIELDS if current[f] != merged[f]}
    return merged, diff
