"""The dashboard's figures by day: recurring income, active customers and their spans.

Three tables (see crm_tui.db.dashboard_figures for what they hold), filled
from the existing subscriptions and then kept in step by triggers on
subscription, so the monthly charts read a few thousand rows instead of
scanning every subscription for each month-end.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.db import dashboard_figures as figures
from crm_tui.models.types import MoneyTotal

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_income",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("subscriptions", sa.Integer(), nullable=False),
        sa.Column("amount", MoneyTotal(), nullable=False),
    )
    op.create_table(
        "dashboard_active",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("customers", sa.Integer(), nullable=False),
    )
    # No foreign key: derived rows, rebuilt by the triggers from the subscriptions
    # (a customer's cascade-deleted subscriptions take its spans with them).
    op.create_table(
        "activity_span",
        sa.Column("customer_id", sa.Integer(), primary_key=True),
        sa.Column("start_day", sa.Date(), primary_key=True),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("next_start", sa.Date(), nullable=False),
    )
    # Churn reads the spans that end in a month, with their start and next start.
    op.create_index("ix_activity_span_end", "activity_span", ["end_day", "start_day", "next_start"])
    for statement in figures.FILL[3:]:
        op.execute(statement)
    if op.get_bind().dialect.name == "sqlite":
        for trigger in figures.sqlite_triggers():
            op.execute(trigger)
        return
    for name in figures.PG_OPS:
        op.execute(figures.pg_function(name))
        op.execute(figures.pg_trigger(name))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in figures.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in figures.PG_OPS:
            op.execute(f"DROP TRIGGER IF EXISTS dashboard_figures_{name} ON subscription")
            op.execute(f"DROP FUNCTION IF EXISTS crm_dashboard_{name}()")
    op.drop_index("ix_activity_span_end", table_name="activity_span")
    op.drop_table("activity_span")
    op.drop_table("dashboard_active")
    op.drop_table("dashboard_income")
