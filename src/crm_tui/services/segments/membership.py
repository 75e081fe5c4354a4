"""Who is in a segment, asked by other services; and rules kept pointing at renamed tags and groups.

`segment_member_ids(session, segment_id)` is the one way other services (the
list's search filter, exports, bulk actions) ask who is in a segment. A
dynamic segment's members are never stored, so the answer is always live.
"""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Segment, SegmentMember
from crm_tui.models.enums import SegmentKind
from crm_tui.services.common import not_merged
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.segments.compiler import compile_rules, count_query, member_query
from crm_tui.services.segments.rules import clean_rules, parse_rules, replace_value, uses_value


def segment_member_ids(
    session: Session, segment_id: int, *, today: date | None = None
) -> Select[Any]:
    """A subquery of the ids of the segment's members, for `Customer.id.in_(...)`.

    Raises NotFound for an unknown segment. A dynamic segment whose stored
    rules no longer validate selects nobody rather than everybody.
    """
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound("That segment no longer exists.")
    if segment.kind != SegmentKind.DYNAMIC:
        return (
            select(col(SegmentMember.customer_id))
            .join(Customer, col(Customer.id) == col(SegmentMember.customer_id))
            .where(
                col(SegmentMember.segment_id) == segment_id,
                not_merged(),
            )
        )
    try:
        ruleset = clean_rules(segment.rules)
    except ValidationError:
        return select(col(Customer.id)).where(col(Customer.id) < 0)
    return member_query(ruleset, today=today or date.today())


def segment_condition(
    session: Session, segment_id: int, *, today: date | None = None
) -> ColumnElement[bool] | None:
    """The search service's hook (`SearchService.segment_condition`).

    For a dynamic segment: its rules as one condition over `customer` and
    `customer_summary` (the list's queries join both), so the list walks its
    own index and checks each row, never materialising the whole segment.
    None for a static segment (the caller tests `segment_member`); an unknown
    segment or rules that no longer validate match nobody.
    """
    segment = session.get(Segment, segment_id)
    if segment is None:
        return false()
    if segment.kind != SegmentKind.DYNAMIC:
        return None
    try:
        ruleset = clean_rules(segment.rules)
    except ValidationError:
        return false()
    return compile_rules(ruleset, today=today or date.today(), semi=False)


def count_members(session: Session, segment_id: int, *, today: date | None = None) -> int:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound("That segment no longer exists.")
    if segment.kind == SegmentKind.DYNAMIC:
        try:
            ruleset = clean_rules(segment.rules)
        except ValidationError:
            return 0
        return int(session.scalar(count_query(ruleset, today=today or date.today())) or 0)
    return int(
        session.scalar(
            select(func.count())
            .select_from(SegmentMember)
            .join(Customer, col(Customer.id) == col(SegmentMember.customer_id))
            .where(
                col(SegmentMember.segment_id) == segment_id,
                not_merged(),
            )
        )
        or 0
    )


def segments_naming(session: Session, field_name: str, name: str) -> builtins.list[str]:
    """Names of the dynamic segments whose rules mention `name` on `field_name`."""
    names = []
    for segment in session.scalars(select(Segment).where(col(Segment.kind) == SegmentKind.DYNAMIC)):
        try:
            ruleset = parse_rules(segment.rules)
        except ValidationError:
            continue
        if uses_value(ruleset, field_name, name):
            names.append(segment.name)
    return names


def rewrite_segment_rules(session: Session, field_name: str, old: str, new: str) -> int:
    """Point dynamic segments' rules at a renamed tag or group; returns how many changed."""
    changed = 0
    query = select(Segment).where(col(Segment.kind) == SegmentKind.DYNAMIC).with_for_update()
    for segment in session.scalars(query):
        try:
            ruleset = parse_rules(segment.rules)
        except ValidationError:
            continue
        renamed, did = replace_value(ruleset, field_name, old, new)
        if did:
            segment.rules = renamed.to_json()
            segment.version += 1
            changed += 1
    session.flush()
    return changed
