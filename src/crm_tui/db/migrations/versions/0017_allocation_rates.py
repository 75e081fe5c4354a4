"""A payment in one currency settles an invoice in another at a recorded rate.

invoice_allocation gains `source_amount` (what is used of the payment or
credit note, in its own currency) and `rate` (its currency into the
invoice's on the payment's day; NULL when no conversion was made). Every
allocation so far was in one currency, so its source amount is its amount.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_allocation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_amount", types.Money(), nullable=True))
        batch_op.add_column(sa.Column("rate", types.Rate(), nullable=True))
    op.execute(sa.text("UPDATE invoice_allocation SET source_amount = amount"))
    with op.batch_alter_table("invoice_allocation", schema=None) as batch_op:
        batch_op.alter_column("source_amount", existing_type=types.Money(), nullable=False)


def downgrade() -> None:
    # Allocations across currencies stay, with their amount in the invoice's
    # currency: the invoices stay settled; the old code counts that amount as
    # what was used of the payment (`crm db check` does not compare the two).
    with op.batch_alter_table("invoice_allocation", schema=None) as batch_op:
        batch_op.drop_column("rate")
        batch_op.drop_column("source_amount")
