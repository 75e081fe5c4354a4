"""An index for the list's "outstanding" sort.

customer_summary(outstanding_balance, customer_id): the list pages by
keyset over the sort column and the id, as it does for lifetime value; at a
million customers a sort without the index reads and sorts every summary.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_summary_outstanding", "customer_summary", ["outstanding_balance", "customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_summary_outstanding", table_name="customer_summary")
