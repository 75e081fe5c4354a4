"""Import runs, and the clerks' import limit enforced by PostgreSQL.

import_run holds one row per import that writes; the customers an import adds
carry its id (customer.import_run_id, no foreign key: a run's row may go while
its customers stay). On PostgreSQL:

  import_run        a new row's login is session_user and its count 0, whatever
                    the client sends (a BEFORE INSERT trigger); clerks may add
                    runs but not change them (grants, services/roles/grants.py);
  customer          a statement-level trigger adds the customers each statement
                    inserted to their runs' counts and refuses the statement
                    when a run passes 1,000 customers and the session's login is
                    not a manager (crm_require_manager('import_large'), whose
                    HINT the app turns into the role's sentence).

The counting function is SECURITY DEFINER, so a clerk need not (and may not)
update import_run; its search_path is pinned to the schema the tables are in,
with pg_temp last, so no temporary table can stand in for import_run.
session_user is still the clerk inside it. What this enforces is the limit of
one import: a client that tags no run is only adding customers, which a clerk
may do one at a time anyway.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMIT = 1_000  # services.roles.policy.IMPORT_LIMIT when this was written

START = """
CREATE OR REPLACE FUNCTION crm_import_run_start() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.login := session_user;
    NEW.customers := 0;
    RETURN NEW;
END
$$
"""

COUNT = """
CREATE OR REPLACE FUNCTION crm_import_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_catalog, pg_temp AS $$
DECLARE
    over boolean;
BEGIN
    WITH added_per_run AS (
        SELECT import_run_id AS id, count(*) AS n FROM added
        WHERE import_run_id IS NOT NULL GROUP BY import_run_id
    ), counted AS (
        UPDATE {schema}.import_run r SET customers = r.customers + a.n
        FROM added_per_run a WHERE r.id = a.id
        RETURNING r.customers
    )
    SELECT coalesce(bool_or(customers > {limit}), false) INTO over FROM counted;
    IF over THEN
        PERFORM crm_require_manager('import_large');
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("started_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("customer", sa.Column("import_run_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
    op.execute(START)
    op.execute(
        "CREATE TRIGGER import_run_start BEFORE INSERT ON import_run "
        "FOR EACH ROW EXECUTE FUNCTION crm_import_run_start()"
    )
    op.execute(COUNT.format(schema=schema, limit=LIMIT))
    op.execute("REVOKE ALL ON FUNCTION crm_import_count() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER customer_import_count AFTER INSERT ON customer "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION crm_import_count()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS customer_import_count ON customer")
        op.execute("DROP FUNCTION IF EXISTS crm_import_count()")
        op.execute("DROP TRIGGER IF EXISTS import_run_start ON import_run")
        op.execute("DROP FUNCTION IF EXISTS crm_import_run_start()")
    # No table rebuild (batch mode): dropping the customer table would take its
    # children with it on SQLite. The column has no index or key, so SQLite 3.35+
    # drops it in place, as PostgreSQL does.
    op.execute("ALTER TABLE customer DROP COLUMN import_run_id")
    op.drop_table("import_run")
