"""SQLite writers wait their turn for the write lock instead of failing with "database is locked"."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from crm_tui.config import Settings
from crm_tui.db import engine as engine_module
from crm_tui.db.engine import Database, make_engine


def _hold_write_lock(settings: Settings) -> sqlite3.Connection:
    other = sqlite3.connect(
        make_url(settings.database_url).database or "",
        isolation_level=None,
        check_same_thread=False,
    )
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_writer_waits_while_another_holds_the_lock(sqlite_settings: Settings) -> None:
    """A write started while another process holds the lock goes through once it is released."""
    other = _hold_write_lock(sqlite_settings)
    db = Database(make_engine(sqlite_settings.database_url))
    release = threading.Timer(0.4, other.execute, args=("COMMIT",))
    started = time.monotonic()
    release.start()
    try:
        with db.write() as session:
            session.execute(text("UPDATE customer SET version = version WHERE id = 0"))
        assert time.monotonic() - started >= 0.35
        with db.engine.connect() as conn:  # the normal busy timeout is back afterwards
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        release.join()
        other.close()
        db.dispose()


def test_a_writer_gives_up_only_after_the_busy_timeout(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the lock is never released, "database is locked" comes after the timeout, not before."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    other = _hold_write_lock(sqlite_settings)
    db = Database(make_engine(sqlite_settings.database_url))
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="locked"), db.write() as session:
            session.execute(text("UPDATE customer SET version = version WHERE id = 0"))
        assert time.monotonic() - started >= 0.28
    finally:
        other.execute("ROLLBACK")
        other.close()
        db.dispose()
