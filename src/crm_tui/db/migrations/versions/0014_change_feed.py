"""Live screens on PostgreSQL: every commit that changes customers notifies their ids.

A statement-level trigger on change_history (every change to a customer
and its children writes a history row) sends the distinct customer ids
the statement logged on channel crm_customers, as '12,40,77'; too many
for one notification (8,000 bytes) become '*'. PostgreSQL delivers
notifications at commit, once per distinct payload per transaction, and
never for a transaction rolled back. SQLite polls instead (nothing here).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTIFY = """
CREATE OR REPLACE FUNCTION crm_notify_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text;
BEGIN
    SELECT string_agg(DISTINCT customer_id::text, ',') INTO ids
    FROM logged WHERE customer_id IS NOT NULL;
    IF ids IS NOT NULL THEN
        IF length(ids) > 7900 THEN
            ids := '*';
        END IF;
        PERFORM pg_notify('crm_customers', ids);
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER change_history_notify AFTER INSERT ON change_history
REFERENCING NEW TABLE AS logged FOR EACH STATEMENT
EXECUTE FUNCTION crm_notify_changes()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(NOTIFY)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_history_notify ON change_history")
    op.execute("DROP FUNCTION IF EXISTS crm_notify_changes()")
