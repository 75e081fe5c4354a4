"""Exchange rates, the reporting currency, and each payment's amount in it.

No reporting currency is recorded here: the first time the app opens the
database for writing it records the configured one and computes every
payment's reporting amount and the summary's money figures (which so far
added GBP, EUR and USD as plain numbers) with the services' own rules, in
one transaction. Until then the figures keep their old meaning.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", types.Rate(), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("currency", "quote", "valid_from", name="uq_exchange_rate_pair_day"),
    )
    op.create_table(
        "reporting_currency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("changed_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_reporting_currency_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporting_amount", types.Money(), nullable=True))
        batch_op.create_index("ix_payment_currency_paid_at", ["currency", "paid_at"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_currency_paid_at")
        batch_op.drop_column("reporting_amount")
    op.drop_table("reporting_currency")
    op.drop_table("exchange_rate")
    # Back to the old meaning: every currency added as a plain number.
    op.execute(
        sa.text(
            "UPDATE customer_summary SET "
            "lifetime_value = COALESCE((SELECT SUM(p.amount) FROM payment p"
            " WHERE p.customer_id = customer_summary.customer_id AND p.status = 'paid'), 0),"
            " active_monthly = COALESCE((SELECT SUM(s.monthly_amount) FROM subscription s"
            " WHERE s.customer_id = customer_summary.customer_id AND s.status = 'active'), 0),"
            " order_total = COALESCE((SELECT SUM(o.total) FROM customer_order o"
            " WHERE o.customer_id = customer_summary.customer_id"
            " AND o.status NOT IN ('cancelled', 'refunded')), 0)"
        )
    )
