"""How a shared database limits clerks: one row, changed by a manager."""

from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel


class AccessPolicy(SQLModel, table=True):
    """`owners_only`: a clerk changes only the customers they own (or nobody owns).

    Enforced by PostgreSQL's row-level security (migration 0013); on SQLite, a
    single-user file, it has no effect.
    """

    __tablename__ = "access_policy"
    __table_args__ = (CheckConstraint("id = 1", name="ck_access_policy_one_row"),)

    id: int = Field(default=1, primary_key=True)
    owners_only: bool = False
