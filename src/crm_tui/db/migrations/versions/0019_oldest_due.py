"""The list's "days overdue" sort: customer_summary.oldest_due and its index.

oldest_due is the earliest due date of a customer's open invoices (NULL when
none is open); days overdue are today minus it, so the list pages by keyset
over (oldest_due, customer_id) and the stored value never goes stale as days
pass. Filled here from the invoices, as the services keep it from now on.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer_summary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oldest_due", sa.Date(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE customer_summary SET oldest_due = (SELECT MIN(i.due_date) FROM invoice i"
            " WHERE i.customer_id = customer_summary.customer_id AND i.kind = 'invoice'"
            " AND i.status IN ('issued', 'partly_paid'))"
        )
    )
    op.create_index("ix_summary_oldest_due", "customer_summary", ["oldest_due", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_summary_oldest_due", table_name="customer_summary")
    with op.batch_alter_table("customer_summary", schema=None) as batch_op:
        batch_op.drop_column("oldest_due")
