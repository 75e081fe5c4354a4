"""Alembic environment: always run on a connection handed in by crm_tui.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through crm_tui.db.migrate (crm db upgrade).")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
