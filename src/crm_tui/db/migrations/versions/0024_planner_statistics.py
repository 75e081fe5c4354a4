"""Fresh planner statistics for the tables that gained indexes in 0021-0023.

SQLite's planner weighs indexes by the statistics ANALYZE stored; a new
index has none until the next ANALYZE, and the planner then guesses it
very selective: with customer (status, created_at) new and unmeasured, the
count of "active, GB, bought in the last 90 days" started from every active
customer (2.3 s at a million) instead of the last-purchase range (0.1 s).
A database that has statistics gets them again for these three tables (a
second or two at a million customers); one that never ran ANALYZE is left
as it was. PostgreSQL samples, and learns the upper(country) expression.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customer", "address", "subscription")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        measured = bind.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        if not measured:
            return
        for table in TABLES:
            op.execute(f"ANALYZE {table}")
        return
    op.execute(f"ANALYZE {', '.join(TABLES)}")


def downgrade() -> None:
    """Statistics are not schema: nothing to undo."""
