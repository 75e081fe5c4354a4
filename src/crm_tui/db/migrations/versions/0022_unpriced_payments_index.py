"""An index of the payments with no reporting amount (no rate for their day).

The dashboard asks for them on every opening (`RateService.unpriced`): at
a million customers the query walked every paid payment through the status
index to find the handful without an amount (40 s on a busy machine). The
partial index holds only those rows, so the answer costs what it finds.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_payment_unpriced",
        "payment",
        ["currency", "paid_at"],
        sqlite_where=sa.text("reporting_amount IS NULL"),
        postgresql_where=sa.text("reporting_amount IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_payment_unpriced", table_name="payment")
