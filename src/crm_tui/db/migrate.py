"""Bring a database to the current schema with Alembic, under a lock.

Two processes opening a new database at once must not both migrate it: on
PostgreSQL a transaction-level advisory lock serialises them, on SQLite the
migration runs inside one BEGIN IMMEDIATE transaction. The second waits, then
finds the schema current and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

from crm_tui.db.engine import WRITE_OPTION
from crm_tui.db.schema_head import SchemaTooNew

__all__ = ["SchemaTooNew", "downgrade", "ensure_current", "head_revision", "upgrade", "upgrade_on"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PG_MIGRATION_LOCK = 7_302_114_512  # any constant unique to this app


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> None:
    current = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config())
    if current is None:
        return
    try:
        known = script.get_revision(current) is not None
    except CommandError:  # alembic raises for an id it has never seen
        known = False
    if not known:
        raise SchemaTooNew(
            f"The database is at schema revision {current}, made by a newer version of crm-tui; "
            "upgrade the app to open it."
        )


def upgrade(
    engine: Engine, revision: str = "head", *, then: Callable[[Connection], None] | None = None
) -> None:
    """Migrate to `revision` (default head) under the cross-process lock; `then` runs in the
    same transaction after the migrations (the roles' grants on the tables they added)."""
    check_not_newer(engine)
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        upgrade_on(conn, revision)
        if then is not None:
            then(conn)


def upgrade_on(conn: Connection, revision: str = "head") -> None:
    """Run the migrations on a connection already in the caller's transaction."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def ensure_current(engine: Engine) -> None:
    """Migrate only when needed, so an up-to-date start costs one query."""
    if not is_current(engine):
        upgrade(engine)
