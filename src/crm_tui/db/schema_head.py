"""The newest migration's revision, known without loading Alembic.

Starting a one-shot command on an up-to-date database then costs one query
instead of importing Alembic and parsing every migration script. A test keeps
this equal to Alembic's head.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

SCHEMA_HEAD = "0007"


class SchemaTooNew(Exception):
    """The database was migrated by a newer version of the app."""


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None if it has none yet."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no alembic_version table: a new database
        return None


def is_head(engine: Engine) -> bool:
    return stored_revision(engine) == SCHEMA_HEAD
