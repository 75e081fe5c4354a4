"""The change log: who changed which field of what, when, from what to what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from crm_tui.config import os_login
from crm_tui.models.types import UTCDateTime, utcnow


class ChangeRecord(SQLModel, table=True):
    """One changed field. `version` is the entity's version after the change,
    which lets a stale edit find exactly what changed since it was read."""

    __tablename__ = "change_history"
    __table_args__ = (
        Index("ix_history_customer", "customer_id", "changed_at"),
        Index("ix_history_entity", "entity", "entity_id", "version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=True),
    )
    entity: str = Field(max_length=32)
    entity_id: int
    action: str = Field(max_length=16)  # create | update | delete | merge | erase
    field: str = Field(default="", max_length=64)
    old_value: str | None = None
    new_value: str | None = None
    version: int = 0
    actor: str = ""  # the clerk name in the app's settings: said beside `login`, not trusted
    # Who the database says made the change. On PostgreSQL a trigger writes
    # session_user over whatever the client sends (migration 0012); on SQLite,
    # a single-user file, it is the operating-system login (also for Core
    # INSERT ... SELECT, through the column default). Empty for older rows.
    login: str = Field(
        default_factory=os_login,
        max_length=120,
        sa_column_kwargs={"default": os_login, "server_default": ""},
    )
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
