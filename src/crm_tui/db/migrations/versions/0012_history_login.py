"""Who changed it, as the database knows it: change_history.login.

`actor` stays what it was, the clerk name from the app's settings (shown
beside the login); `login` is who the database says made the change. On
PostgreSQL a trigger writes session_user into every new row, whatever the
client sent, and keeps it on update, so no clerk can put another name
there (and a clerk may not update history rows at all: the grants). On
SQLite, a single-user file, the app writes the operating-system login.
Rows from before this revision keep an empty login (unknown).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY_LOGIN = """
CREATE OR REPLACE FUNCTION crm_history_login() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.login := session_user;
    ELSE
        NEW.login := OLD.login;
    END IF;
    RETURN NEW;
END
$$
"""

HISTORY_TRIGGER = """
CREATE TRIGGER change_history_login BEFORE INSERT OR UPDATE ON change_history
FOR EACH ROW EXECUTE FUNCTION crm_history_login()
"""


def upgrade() -> None:
    with op.batch_alter_table("change_history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("login", sa.String(length=120), nullable=False, server_default="")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(HISTORY_LOGIN)
        op.execute(HISTORY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS change_history_login ON change_history")
        op.execute("DROP FUNCTION IF EXISTS crm_history_login()")
    with op.batch_alter_table("change_history", schema=None) as batch_op:
        batch_op.drop_column("login")
