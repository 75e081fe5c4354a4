"""Import runs: one row per import, which the customers it adds point at."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime, utcnow


class ImportRun(SQLModel, table=True):
    """One `crm import` (or the app's import) that writes. On PostgreSQL the database
    fills `login` (session_user) and keeps `customers`, the customers added under this
    run, and refuses a non-manager's run past the clerks' limit (migration 0018)."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default="", max_length=400)  # the file's name (card numbers masked)
    login: str = Field(default="", max_length=120)
    customers: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
