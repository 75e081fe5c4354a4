"""Owners-only editing covers the money rows; billing runs and reminders are a manager's.

With owners_only on (migration 0013) a clerk may add, change or remove
subscriptions, orders and their items, payments, and invoices with their
lines, allocations and reminders only on customers they own (or nobody
owns): row-level security, worded as 0013's rules for a customer's other
children, so a raw connection is held to it as much as the app. Managers,
viewers (who cannot write anyway), the tables' owner and superusers are not
limited, nor is anyone while owners_only is off or the roles are not
installed. Left open, as derived rows written beside the rows they come
from: the stored figures (customer_summary), the search documents and the
invoice counter (one row a year, shared by every invoice).

Whatever owners_only says, two statement-level triggers make the runs over
every customer a manager's (crm_require_manager of 0011, whose HINT names
the capability for the app's sentence):

  invoice_line      adding a line that bills a subscription period
                    (subscription_id set: only the billing run writes those),
                    or pointing a line at one, needs 'bill' (voiding such an
                    invoice, which releases its lines' claims, does not);
  invoice_reminder  recording or updating a reminder needs 'remind'.

The recounts of every customer's figures follow a change of exchange rates or
of the reporting currency, which are settings, a manager's already (0011's grants).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# True for everyone but a clerk while owners_only is on (as in 0013).
EDITS_ANY = (
    "((SELECT crm_role_of(session_user)) <> 'clerk' "
    "OR NOT coalesce((SELECT owners_only FROM access_policy WHERE id = 1), false))"
)
MINE = "(c.owner IS NULL OR c.owner = session_user::text)"

# table -> the join from its row to the customer it belongs to
MONEY = {
    "subscription": "FROM customer c WHERE c.id = subscription.customer_id",
    "customer_order": "FROM customer c WHERE c.id = customer_order.customer_id",
    "payment": "FROM customer c WHERE c.id = payment.customer_id",
    "invoice": "FROM customer c WHERE c.id = invoice.customer_id",
    "order_item": (
        "FROM customer_order o JOIN customer c ON c.id = o.customer_id "
        "WHERE o.id = order_item.order_id"
    ),
    "invoice_line": (
        "FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE i.id = invoice_line.invoice_id"
    ),
    "invoice_allocation": (
        "FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "WHERE i.id = invoice_allocation.invoice_id"
    ),
    "invoice_reminder": (
        "FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "WHERE i.id = invoice_reminder.invoice_id"
    ),
}

GUARD = """
CREATE OR REPLACE FUNCTION crm_{name}_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added WHERE {rows}) THEN
        PERFORM crm_require_manager('{what}');
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER {table}_{event}_guard AFTER {event} ON {table}
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION crm_{name}_guard()
"""

# (function name, table, rows that need the manager, capability, events)
GUARDS = (
    ("billing", "invoice_line", "subscription_id IS NOT NULL", "bill", ("INSERT",)),
    ("reminder", "invoice_reminder", "true", "remind", ("INSERT", "UPDATE")),
)

LINE_CLAIM = """
CREATE OR REPLACE FUNCTION crm_billing_line_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM crm_require_manager('bill');
    RETURN NEW;
END
$$
"""

LINE_CLAIM_TRIGGER = """
CREATE TRIGGER invoice_line_claim_guard BEFORE UPDATE ON invoice_line FOR EACH ROW
WHEN (NEW.subscription_id IS NOT NULL
      AND NEW.subscription_id IS DISTINCT FROM OLD.subscription_id)
EXECUTE FUNCTION crm_billing_line_guard()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, join in MONEY.items():
        rule = f"({EDITS_ANY} OR EXISTS (SELECT 1 {join} AND {MINE}))"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY crm_read ON {table} FOR SELECT USING (true)")
        op.execute(f"CREATE POLICY crm_add ON {table} FOR INSERT WITH CHECK ({rule})")
        op.execute(
            f"CREATE POLICY crm_change ON {table} FOR UPDATE USING ({rule}) WITH CHECK ({rule})"
        )
        op.execute(f"CREATE POLICY crm_remove ON {table} FOR DELETE USING ({rule})")
    for name, table, rows, what, events in GUARDS:
        op.execute(GUARD.format(name=name, rows=rows, what=what))
        for event in events:
            op.execute(TRIGGER.format(table=table, event=event, name=name))
    op.execute(LINE_CLAIM)
    op.execute(LINE_CLAIM_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS invoice_line_claim_guard ON invoice_line")
    op.execute("DROP FUNCTION IF EXISTS crm_billing_line_guard()")
    for name, table, _rows, _what, events in GUARDS:
        for event in events:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_guard ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS crm_{name}_guard()")
    for table in MONEY:
        for policy in ("crm_read", "crm_add", "crm_change", "crm_remove"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
