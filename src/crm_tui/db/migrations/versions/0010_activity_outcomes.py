"""Calls and meetings record how long they took and how they ended.

note.duration_minutes (whole minutes) and note.outcome ("reached", "no
answer", ... for calls; "held", "no-show", ... for meetings). Both empty on
every existing note and on notes, e-mails and tasks, which have neither.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: the table (and its triggers) stay as they are.
    op.add_column("note", sa.Column("duration_minutes", sa.Integer(), nullable=True))
    op.add_column("note", sa.Column("outcome", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("note") as batch:
        batch.drop_column("outcome")
        batch.drop_column("duration_minutes")
