"""Roles the database enforces (PostgreSQL only; SQLite is a single-user file).

`crm db roles install` makes three group roles per database, named after
it (`<database>_viewer`, `_clerk`, `_manager`), and grants them their
tables. What grants cannot say lives here, so it holds for a raw
connection as much as for the app:

  crm_role_of(login)   'manager' | 'clerk' | 'viewer' | 'none', or
                       'unmanaged' while the roles are not installed (every
                       login may then do what its grants allow, as before).
                       The database's owner and superusers are managers.
  customer_guard       erasing (erased_at) and merging (merged_into_id) a
                       customer need the manager role: a clerk may update
                       customers, but not these two columns.

The functions pin their search_path (pg_catalog first, pg_temp last) so a
temporary table or view cannot stand in for the catalogue.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_OF = """
CREATE OR REPLACE FUNCTION crm_role_of(login name) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE
    WHEN m.oid IS NULL THEN 'unmanaged'
    WHEN pg_has_role(login, d.datdba, 'MEMBER') OR pg_has_role(login, m.oid, 'MEMBER')
        THEN 'manager'
    WHEN c.oid IS NOT NULL AND pg_has_role(login, c.oid, 'MEMBER') THEN 'clerk'
    WHEN v.oid IS NOT NULL AND pg_has_role(login, v.oid, 'MEMBER') THEN 'viewer'
    ELSE 'none'
END
FROM pg_database d
LEFT JOIN pg_roles m ON m.rolname = d.datname || '_manager'
LEFT JOIN pg_roles c ON c.rolname = d.datname || '_clerk'
LEFT JOIN pg_roles v ON v.rolname = d.datname || '_viewer'
WHERE d.datname = current_database()
$$
"""

# The HINT names the capability, so the app shows its own sentence for it.
REQUIRE_MANAGER = """
CREATE OR REPLACE FUNCTION crm_require_manager(what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF crm_role_of(session_user) NOT IN ('manager', 'unmanaged') THEN
        RAISE EXCEPTION 'permission denied: only a crm manager may % customers', what
            USING ERRCODE = 'insufficient_privilege', HINT = 'crm:' || what;
    END IF;
END
$$
"""

CUSTOMER_GUARD = """
CREATE OR REPLACE FUNCTION crm_customer_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.erased_at IS DISTINCT FROM OLD.erased_at THEN
        PERFORM crm_require_manager('erase');
    END IF;
    IF NEW.merged_into_id IS DISTINCT FROM OLD.merged_into_id THEN
        PERFORM crm_require_manager('merge');
    END IF;
    RETURN NEW;
END
$$
"""

GUARD_TRIGGER = """
CREATE TRIGGER customer_guard BEFORE UPDATE ON customer FOR EACH ROW
WHEN (NEW.erased_at IS DISTINCT FROM OLD.erased_at
      OR NEW.merged_into_id IS DISTINCT FROM OLD.merged_into_id)
EXECUTE FUNCTION crm_customer_guard()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (ROLE_OF, REQUIRE_MANAGER, CUSTOMER_GUARD, GUARD_TRIGGER):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS customer_guard ON customer")
    op.execute("DROP FUNCTION IF EXISTS crm_customer_guard()")
    op.execute("DROP FUNCTION IF EXISTS crm_require_manager(text)")
    op.execute("DROP FUNCTION IF EXISTS crm_role_of(name)")
