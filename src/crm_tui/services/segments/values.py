"""Segments as the screens see them: plain values, never live rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_tui.models import Segment
from crm_tui.models.enums import SegmentKind
from crm_tui.services.errors import ValidationError
from crm_tui.services.segments.rules import RuleSet, describe, parse_rules


@dataclass(frozen=True)
class SegmentRead:
    """A segment as the UI sees it."""

    id: int
    name: str
    kind: str
    description: str
    rules: RuleSet | None
    version: int
    created_at: datetime

    @property
    def is_dynamic(self) -> bool:
        return self.kind == SegmentKind.DYNAMIC

    @property
    def summary(self) -> str:
        """What the segment holds, in words: its rules, or 'hand-picked'."""
        return self.summary_in("")

    def summary_in(self, currency: str) -> str:
        """`summary`, money values in `currency` (the reporting one): 'lifetime value > GBP 1000'."""
        if self.rules is None:
            return "hand-picked members"
        return describe(self.rules, currency)


@dataclass(frozen=True)
class MemberRow:
    """One member, for the segment's member preview."""

    customer_id: int
    number: str
    name: str
    status: str
    lifetime_value: Decimal


def to_read(segment: Segment) -> SegmentRead:
    assert segment.id is not None
    rules = None
    if segment.kind == SegmentKind.DYNAMIC:
        try:
            rules = parse_rules(segment.rules)
        except ValidationError:
            rules = RuleSet()
    return SegmentRead(
        id=segment.id,
        name=segment.name,
        kind=segment.kind,
        description=segment.description,
        rules=rules,
        version=segment.version,
        created_at=segment.created_at,
    )
