"""Choices for the customer list's filters: tags, segments, billing groups, owners.

Distinct values of an indexed column are read by a loose index scan (a
recursive "next value after this one" query), which costs one index probe per
distinct value instead of a pass over every customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, Segment, Tag
from crm_tui.services.context import ServiceContext

MAX_CHOICES = 500


@dataclass(frozen=True)
class FilterChoices:
    """Everything the filters dialog offers, read in one unit of work."""

    tags: tuple[str, ...]
    segments: tuple[str, ...]
    saved_segments: tuple[tuple[int, str], ...]
    billing_groups: tuple[tuple[int, str], ...]
    owners: tuple[str, ...]


def distinct_values(session: Session, column: str, *, limit: int = MAX_CHOICES) -> list[str]:
    """Distinct non-empty values of customer.`column` (an indexed text column), sorted."""
    if column not in {"segment", "owner"}:
        raise ValueError(f"no loose index scan for customer.{column}")
    # The column name comes from the closed set above, never from user input.
    query = text(
        f"""
        WITH RECURSIVE v(value, n) AS (
            SELECT (SELECT MIN({column}) FROM customer WHERE {column} <> ''), 1
            UNION ALL
            SELECT (SELECT MIN({column}) FROM customer WHERE {column} > v.value), n + 1
            FROM v WHERE v.value IS NOT NULL AND n < :limit
        )
        SELECT value FROM v WHERE value IS NOT NULL
        """
    )
    return [str(v) for v in session.scalars(query, {"limit": limit})]


class LookupService:
    """Read-only lists of names for pickers."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def filter_choices(self) -> FilterChoices:
        with self.ctx.read() as session:
            return FilterChoices(
                tags=tuple(self._tags(session)),
                segments=tuple(distinct_values(session, "segment")),
                saved_segments=tuple(
                    (i, n)
                    for i, n in session.execute(
                        select(col(Segment.id), col(Segment.name))
                        .order_by(col(Segment.name))
                        .limit(MAX_CHOICES)
                    )
                    if i is not None
                ),
                billing_groups=tuple(
                    (i, n)
                    for i, n in session.execute(
                        select(col(BillingGroup.id), col(BillingGroup.name))
                        .order_by(col(BillingGroup.name))
                        .limit(MAX_CHOICES)
                    )
                    if i is not None
                ),
                owners=tuple(distinct_values(session, "owner")),
            )

    def tags(self) -> list[str]:
        with self.ctx.read() as session:
            return self._tags(session)

    @staticmethod
    def _tags(session: Session) -> list[str]:
        return list(
            session.scalars(select(col(Tag.name)).order_by(col(Tag.name_key)).limit(MAX_CHOICES))
        )
