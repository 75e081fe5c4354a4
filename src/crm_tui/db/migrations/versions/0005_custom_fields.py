"""Custom fields: what an import brings that no field holds, kept under its own name.

A customer's custom fields are name -> text pairs ("Job Title" -> "Buyer");
one value per name, names compared casefolded (`name_key`). The search
document carries their values, rewritten by the services that change them.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_field",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customer.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("customer_id", "name_key", name="uq_custom_field_name"),
    )
    op.create_index("ix_custom_field_customer_id", "custom_field", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_custom_field_customer_id", table_name="custom_field")
    op.drop_table("custom_field")
