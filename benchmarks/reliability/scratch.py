"""A fresh, migrated database on the same engine (and server) as a given URL, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_tui.db import migrate
from crm_tui.db.engine import make_engine


@contextmanager
def scratch_database(like_url: str, folder: Path) -> Iterator[str]:
    """SQLite: a new file in `folder`. PostgreSQL: a throwaway database on that server."""
    parsed = make_url(like_url)
    if parsed.get_backend_name() == "sqlite":
        url = f"sqlite:///{folder / 'scratch.sqlite3'}"
        _migrate(url)
        yield url
        return
    name = f"crm_reliability_{uuid.uuid4().hex[:10]}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = parsed.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
