"""Account owners: when a manager says so, a clerk changes only their own customers.

access_policy (one row) holds `owners_only`. On PostgreSQL row-level
security enforces it for every connection, the app's or not:

  customer          a clerk may update or delete a row only when it has no
                    owner or the owner is the clerk's login (session_user);
  its own children  (addresses, contacts, notes, custom fields, contact
                    points, tags, saved cards): a clerk may add, change or
                    remove them only on such a customer.

Managers, viewers (who cannot write anyway), the tables' owner and
superusers are not limited, nor is anyone while `owners_only` is off or
the roles are not installed. Money rows (subscriptions, orders,
payments, invoices) and the stored figures and search documents are left
open: billing runs and recounts touch every customer. Reading is never
limited. The policies name their tables and functions when created, so a
temporary table cannot stand in for access_policy.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED_CHILDREN = ("address", "contact", "note", "custom_field", "contact_point", "customer_tag",
                  "payment_method")  # fmt: skip

# True for everyone but a clerk while owners_only is on (the sub-selects run once a statement).
EDITS_ANY = (
    "((SELECT crm_role_of(session_user)) <> 'clerk' "
    "OR NOT coalesce((SELECT owners_only FROM access_policy WHERE id = 1), false))"
)
MINE = "(owner IS NULL OR owner = session_user::text)"
CUSTOMER_OPEN = f"({MINE} OR {EDITS_ANY})"
CHILD_OPEN = (
    f"({EDITS_ANY} OR EXISTS (SELECT 1 FROM customer c WHERE c.id = customer_id "
    "AND (c.owner IS NULL OR c.owner = session_user::text)))"
)


def _policies(table: str, rule: str, insert_rule: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY crm_read ON {table} FOR SELECT USING (true)",
        f"CREATE POLICY crm_add ON {table} FOR INSERT WITH CHECK ({insert_rule})",
        f"CREATE POLICY crm_change ON {table} FOR UPDATE USING ({rule}) WITH CHECK ({insert_rule})",
        f"CREATE POLICY crm_remove ON {table} FOR DELETE USING ({rule})",
    ]


def upgrade() -> None:
    op.create_table(
        "access_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owners_only", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_access_policy_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.text("INSERT INTO access_policy (id, owners_only) VALUES (1, false)"))
    if op.get_bind().dialect.name != "postgresql":
        return
    # A clerk may give a customer away (the new owner is not checked), not take one.
    for statement in _policies("customer", CUSTOMER_OPEN, "true"):
        op.execute(statement)
    for table in OWNED_CHILDREN:
        for statement in _policies(table, CHILD_OPEN, CHILD_OPEN):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("customer", *OWNED_CHILDREN):
            for policy in ("crm_read", "crm_add", "crm_change", "crm_remove"):
                op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_table("access_policy")
