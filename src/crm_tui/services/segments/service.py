"""Segments: hand-picked (static) or rule-based (dynamic) groups of customers.

A dynamic segment's rules are compiled by `compiler` into one SQL
expression; its members are never stored, so the count is always live
(`membership`). A static segment keeps its members in `segment_member`;
adding and removing members is recorded in each customer's history.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Address,
    BillingGroup,
    ChangeRecord,
    Customer,
    CustomerSummary,
    Segment,
    SegmentMember,
    Tag,
    format_number,
)
from crm_tui.models.enums import CustomerStatus, SegmentKind
from crm_tui.models.types import utcnow
from crm_tui.services.common import chunks, display_name, live_customer, load_row, name_columns
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ConflictError, FieldConflict, NotFound, ValidationError
from crm_tui.services.roles.policy import Capability
from crm_tui.services.segments.compiler import count_query
from crm_tui.services.segments.membership import count_members, segment_member_ids
from crm_tui.services.segments.rules import (
    CleanRuleSet,
    RulesInput,
    clean_rules,
    parse_rules,
)
from crm_tui.services.segments.values import MemberRow, SegmentRead, to_read
from crm_tui.services.validation import clean_text, text_key

CHUNK = 500


def _id(value: int | None) -> int:
    assert value is not None
    return value


class SegmentService:
    """Create, edit and count segments; manage static members."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading -------------------------------------------------------------

    def list(self) -> builtins.list[SegmentRead]:
        with self.ctx.read() as session:
            rows = session.scalars(select(Segment).order_by(func.lower(col(Segment.name))))
            return [to_read(s) for s in rows]

    def get(self, segment_id: int) -> SegmentRead:
        with self.ctx.read() as session:
            return to_read(self._load(session, segment_id))

    def count(self, segment_id: int, *, as_of: date | None = None) -> int:
        """How many customers are in the segment now (dynamic: evaluated live)."""
        with self.ctx.read() as session:
            return count_members(session, segment_id, today=as_of)

    def preview_count(self, rules: RulesInput, *, as_of: date | None = None) -> int:
        """The member count of rules being edited; raises ValidationError if they are bad."""
        with self.ctx.read() as session:
            ruleset = self._check(session, rules)
            return int(session.scalar(count_query(ruleset, today=as_of or date.today())) or 0)

    def members(
        self, segment_id: int, *, limit: int = 100, as_of: date | None = None
    ) -> builtins.list[MemberRow]:
        """The first `limit` members by name."""
        with self.ctx.read() as session:
            ids = segment_member_ids(session, segment_id, today=as_of).subquery()
            rows = session.execute(
                select(
                    col(Customer.id),
                    *name_columns(),
                    col(Customer.status),
                    col(CustomerSummary.lifetime_value),
                )
                .join(ids, ids.c[0] == col(Customer.id))
                .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
                .order_by(col(Customer.sort_name), col(Customer.id))
                .limit(limit)
            ).all()
            return [
                MemberRow(
                    customer_id=_id(r[0]),
                    number=format_number(_id(r[0])),
                    name=display_name(r[1], r[2], r[3], r[4]),
                    status=r[5],
                    lifetime_value=r[6] if r[6] is not None else Decimal("0.00"),
                )
                for r in rows
            ]

    def static_segments_of(self, customer_id: int) -> builtins.list[SegmentRead]:
        """The hand-picked segments this customer is in."""
        with self.ctx.read() as session:
            rows = session.scalars(
                select(Segment)
                .join(SegmentMember, col(SegmentMember.segment_id) == col(Segment.id))
                .where(col(SegmentMember.customer_id) == customer_id)
                .order_by(func.lower(col(Segment.name)))
            )
            return [to_read(s) for s in rows]

    def suggestions(self, field: str) -> builtins.list[str]:
        """Existing values for a rule field, for the editor's completion."""
        with self.ctx.read() as session:
            if field == "tag":
                return list(session.scalars(select(col(Tag.name)).order_by(col(Tag.name_key))))
            if field == "billing_group":
                return list(
                    session.scalars(select(col(BillingGroup.name)).order_by(col(BillingGroup.name)))
                )
            if field == "industry":
                return [
                    v
                    for v in session.scalars(
                        select(col(Customer.industry))
                        .where(col(Customer.industry).is_not(None))
                        .group_by(col(Customer.industry))
                        .order_by(col(Customer.industry))
                        .limit(200)
                    )
                    if v
                ]
            if field == "country":
                return [
                    v
                    for v in session.scalars(
                        select(col(Address.country))
                        .group_by(col(Address.country))
                        .order_by(col(Address.country))
                        .limit(300)
                    )
                    if v
                ]
        return []

    # --- writing -------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        kind: str = SegmentKind.STATIC,
        description: str = "",
        rules: RulesInput = None,
    ) -> SegmentRead:
        if kind not in (SegmentKind.STATIC, SegmentKind.DYNAMIC):
            raise ValidationError("kind", "A segment is either static or dynamic.")
        with self.ctx.write(Capability.SETTINGS) as session:
            clean_name = self._clean_name(session, name, None)
            stored: str | None = None
            if kind == SegmentKind.DYNAMIC:
                self._check(session, rules)
                stored = parse_rules(rules).to_json()
            segment = Segment(
                name=clean_name,
                kind=str(kind),
                description=clean_text("description", description, max_len=500) or "",
                rules=stored,
            )
            session.add(segment)
            session.flush()
            return to_read(segment)

    def update(
        self,
        segment_id: int,
        *,
        expected_version: int,
        name: str | None = None,
        description: str | None = None,
        rules: RulesInput = None,
    ) -> SegmentRead:
        """Change name, description or (dynamic) rules; refuses an edit overtaken by another."""
        with self.ctx.write(Capability.SETTINGS) as session:
            segment = self._load(session, segment_id, lock=True)
            changes: dict[str, tuple[str | None, str | None]] = {}
            if name is not None:
                clean_name = self._clean_name(session, name, segment_id)
                if clean_name != segment.name:
                    changes["name"] = (segment.name, clean_name)
            if description is not None:
                clean_desc = clean_text("description", description, max_len=500) or ""
                if clean_desc != segment.description:
                    changes["description"] = (segment.description, clean_desc)
            if rules is not None:
                if segment.kind != SegmentKind.DYNAMIC:
                    raise ValidationError("rules", "Only a dynamic segment has rules.")
                self._check(session, rules)
                stored = parse_rules(rules).to_json()
                if stored != segment.rules:
                    changes["rules"] = (segment.rules, stored)
            if segment.version != expected_version and changes:
                raise ConflictError(
                    "segment",
                    [
                        FieldConflict(field=f, then=None, now=old, yours=new)
                        for f, (old, new) in changes.items()
                    ],
                    segment.version,
                )
            for field_name, (_old, new) in changes.items():
                setattr(segment, field_name, new)
            if changes:
                segment.version += 1
            session.flush()
            return to_read(segment)

    def delete(self, segment_id: int) -> None:
        """Delete the segment (its members stay customers, of course)."""
        with self.ctx.write(Capability.SETTINGS) as session:
            segment = self._load(session, segment_id, lock=True)
            session.delete(segment)

    def add_members(self, segment_id: int, customer_ids: Iterable[int]) -> int:
        """Add customers to a static segment; returns how many were not members yet."""
        ids = sorted(set(customer_ids))
        with self.ctx.write(Capability.SETTINGS) as session:
            segment = self._static(session, segment_id)
            added: builtins.list[int] = []
            for chunk in chunks(ids, CHUNK):
                live = set(
                    session.scalars(
                        select(col(Customer.id)).where(col(Customer.id).in_(chunk), live_customer())
                    )
                )
                present = set(
                    session.scalars(
                        select(col(SegmentMember.customer_id)).where(
                            col(SegmentMember.segment_id) == segment_id,
                            col(SegmentMember.customer_id).in_(chunk),
                        )
                    )
                )
                added.extend(cid for cid in chunk if cid in live and cid not in present)
            if len(ids) == 1 and not added and ids:
                self._explain_single(session, segment_id, ids[0])
            if added:
                session.execute(
                    insert(SegmentMember),
                    [{"segment_id": segment_id, "customer_id": cid} for cid in added],
                )
                self._record(session, added, None, segment.name)
            return len(added)

    def remove_members(self, segment_id: int, customer_ids: Iterable[int]) -> int:
        """Take customers out of a static segment; returns how many were members."""
        ids = sorted(set(customer_ids))
        with self.ctx.write(Capability.SETTINGS) as session:
            segment = self._static(session, segment_id)
            removed: builtins.list[int] = []
            for chunk in chunks(ids, CHUNK):
                removed.extend(
                    session.scalars(
                        select(col(SegmentMember.customer_id)).where(
                            col(SegmentMember.segment_id) == segment_id,
                            col(SegmentMember.customer_id).in_(chunk),
                        )
                    )
                )
                session.execute(
                    delete(SegmentMember).where(
                        col(SegmentMember.segment_id) == segment_id,
                        col(SegmentMember.customer_id).in_(chunk),
                    )
                )
            if removed:
                self._record(session, sorted(removed), segment.name, None)
            return len(removed)

    # --- internals -----------------------------------------------------------

    def _check(self, session: Session, rules: RulesInput) -> CleanRuleSet:
        """Validate the rules, including that named tags and groups exist."""
        ruleset = clean_rules(rules)
        for index, rule in enumerate(ruleset.rules, start=1):
            names = rule.value if isinstance(rule.value, list) else [rule.value]
            if rule.spec.name == "tag" and rule.value is not None:
                keys = {text_key(n) for n in names}
                known = set(
                    session.scalars(select(col(Tag.name_key)).where(col(Tag.name_key).in_(keys)))
                )
                missing = [n for n in names if text_key(n) not in known]
                if missing:
                    raise ValidationError(
                        f"rules.{index}.value",
                        f"Rule {index}: there is no tag called {missing[0]!r}.",
                    )
            if rule.spec.name == "billing_group" and rule.value is not None:
                lowered = [n.lower() for n in names]
                known = {
                    n.lower()
                    for n in session.scalars(
                        select(col(BillingGroup.name)).where(
                            func.lower(col(BillingGroup.name)).in_(lowered)
                        )
                    )
                }
                missing = [n for n in names if n.lower() not in known]
                if missing:
                    raise ValidationError(
                        f"rules.{index}.value",
                        f"Rule {index}: there is no billing group called {missing[0]!r}.",
                    )
        return ruleset

    @staticmethod
    def _load(session: Session, segment_id: int, *, lock: bool = False) -> Segment:
        return load_row(
            session, Segment, segment_id, missing="That segment no longer exists.", lock=lock
        )

    def _static(self, session: Session, segment_id: int) -> Segment:
        segment = self._load(session, segment_id, lock=True)
        if segment.kind == SegmentKind.DYNAMIC:
            raise ValidationError(
                "segment",
                f"{segment.name} is a dynamic segment: its members follow its rules, "
                "so customers cannot be added or removed by hand.",
            )
        return segment

    @staticmethod
    def _clean_name(session: Session, raw: str, own_id: int | None) -> str:
        name = clean_text("name", raw, required=True, max_len=120)
        assert name is not None
        query = select(col(Segment.id)).where(func.lower(col(Segment.name)) == name.lower())
        if own_id is not None:
            query = query.where(col(Segment.id) != own_id)
        if session.scalar(query.limit(1)) is not None:
            raise ValidationError("name", f"There is already a segment called {name!r}.")
        return name

    @staticmethod
    def _explain_single(session: Session, segment_id: int, customer_id: int) -> None:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"There is no customer {format_number(customer_id)}.")
        if customer.status == CustomerStatus.MERGED:
            raise ValidationError(
                "customer", "This customer was merged into another; add the surviving customer."
            )
        if customer.erased_at is not None:
            raise ValidationError("customer", "This customer's data was erased.")

    def _record(
        self, session: Session, customer_ids: Sequence[int], old: str | None, new: str | None
    ) -> None:
        """One history line per customer: 'segment: - -> VIPs' (or back)."""
        now = utcnow()
        rows = [
            {
                "customer_id": cid,
                "entity": "customer",
                "entity_id": cid,
                "action": "update",
                "field": "segment membership",
                "old_value": old,
                "new_value": new,
                "version": 0,
                "actor": self.ctx.actor,
                "changed_at": now,
            }
            for cid in customer_ids
        ]
        for part in chunks(rows, 2000):
            session.execute(insert(ChangeRecord), part)
