"""Indexes that let a dynamic segment's count read an index instead of every customer.

- customer (kind, status): "kind is business" counts index entries.
- subscription (start_date, customer_id): "first subscription in the last N
  days" starts from the window's starts, not every customer's minimum.
- address (upper(country), customer_id) for default billing addresses:
  "country is GB" lists its customers from the index, not the address table.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customer_kind_status", "customer", ["kind", "status"])
    op.create_index("ix_subscription_start", "subscription", ["start_date", "customer_id"])
    op.create_index(
        "ix_address_billing_country",
        "address",
        [sa.text("upper(country)"), "customer_id"],
        sqlite_where=sa.text("is_default_billing = 1"),
        postgresql_where=sa.text("is_default_billing"),
    )


def downgrade() -> None:
    op.drop_index("ix_address_billing_country", table_name="address")
    op.drop_index("ix_subscription_start", table_name="subscription")
    op.drop_index("ix_customer_kind_status", table_name="customer")
