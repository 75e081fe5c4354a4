"""The newest migration's revision, known without loading Alembic.

Starting a one-shot command on an up-to-date database then costs one query
instead of importing Alembic and parsing every migration script. A test keeps
this equal to Alembic's head.
"""

from __future__ import annotations

SCHEMA_HEAD = "0025"
# The revision a database is at (services.opening, and the lean read path).
REVISION_QUERY = "SELECT version_num FROM alembic_version"


class SchemaTooNew(Exception):
    """The database was migrated by a newer version of the app."""
