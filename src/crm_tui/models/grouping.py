"""Tags and segments: ways to group customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime, utcnow


class Tag(SQLModel, table=True):
    """A free label; `name_key` (casefolded) keeps names unique ignoring case."""

    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)
    color: str = Field(default="blue", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerTag(SQLModel, table=True):
    """A tag on a customer."""

    __tablename__ = "customer_tag"

    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Segment(SQLModel, table=True):
    """Static (hand-picked members) or dynamic (JSON rules compiled to SQL)."""

    __tablename__ = "segment"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str = Field(default="static", max_length=16)
    description: str = ""
    # Dynamic rules: {"match": "all"|"any", "rules": [{"field", "op", "value"}]}.
    rules: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class SegmentMember(SQLModel, table=True):
    """A customer in a static segment."""

    __tablename__ = "segment_member"

    segment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True)
    )
    customer_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
