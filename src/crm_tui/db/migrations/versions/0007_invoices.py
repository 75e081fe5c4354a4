"""Invoices, their lines, payment allocations, the yearly number counter and reminders.

Payments recorded before this revision are marked as settling no invoice.
Outstanding balance changes meaning: it was the sum of pending and failed
payments and becomes what issued invoices still owe. No invoice exists
before this revision, so every stored outstanding balance becomes zero.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_CLAIMS = sa.text("claims = 1")
PG_CLAIMS = sa.text("claims")


def upgrade() -> None:
    op.create_table(
        "invoice_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("last_issue_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("billing_group_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("credits_invoice_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("payment_terms", sa.String(length=16), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("tax", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("total", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("settled", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("created_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_at", types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["billing_group_id"], ["billing_group.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["credits_invoice_id"], ["invoice.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("year", "sequence", name="uq_invoice_year_sequence"),
    )
    op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
    op.create_index("ix_invoice_credits_invoice_id", "invoice", ["credits_invoice_id"])
    op.create_index("ix_invoice_customer_status", "invoice", ["customer_id", "status", "due_date"])
    op.create_index("ix_invoice_status_due", "invoice", ["status", "due_date"])
    op.create_index("ix_invoice_issue_date", "invoice", ["issue_date"])
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("quantity", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("unit_price", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("tax_rate", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("amount", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("tax", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("order_item_id", sa.Integer(), nullable=True),
        sa.Column("claims", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_item.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invoice_line_invoice_id", "invoice_line", ["invoice_id"])
    op.create_index(
        "uq_invoice_line_subscription_period",
        "invoice_line",
        ["subscription_id", "period_start"],
        unique=True,
        sqlite_where=SQLITE_CLAIMS,
        postgresql_where=PG_CLAIMS,
    )
    op.create_index(
        "uq_invoice_line_order_item",
        "invoice_line",
        ["order_item_id"],
        unique=True,
        sqlite_where=SQLITE_CLAIMS,
        postgresql_where=PG_CLAIMS,
    )
    op.create_table(
        "invoice_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("amount", types.Money(precision=14, scale=2), nullable=False),
        sa.Column("created_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["credit_note_id"], ["invoice.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invoice_allocation_invoice_id", "invoice_allocation", ["invoice_id"])
    op.create_index("ix_invoice_allocation_payment_id", "invoice_allocation", ["payment_id"])
    op.create_index(
        "ix_invoice_allocation_credit_note_id", "invoice_allocation", ["credit_note_id"]
    )
    op.create_table(
        "invoice_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("sent_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id", "level", name="uq_reminder_invoice_level"),
    )
    # Payments taken so far paid for their subscription or order directly;
    # they must not turn into credit that settles the first invoices issued.
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settles_invoices", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Pending and failed payments are no longer "outstanding"; no invoice owes anything yet.
    op.execute(sa.text("UPDATE customer_summary SET outstanding_balance = 0"))


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("settles_invoices")
    op.drop_table("invoice_reminder")
    op.drop_table("invoice_allocation")
    op.drop_table("invoice_line")
    op.drop_table("invoice")
    op.drop_table("invoice_counter")
    # Back to the old meaning: pending and failed payments.
    op.execute(
        sa.text(
            "UPDATE customer_summary SET outstanding_balance = COALESCE(("
            "SELECT SUM(p.amount) FROM payment p WHERE p.customer_id = customer_summary.customer_id"
            " AND p.status IN ('pending', 'failed')), 0)"
        )
    )
