"""Polling for other connections' commits: SQLite's data_version, or the change log.

SQLite: `PRAGMA data_version` changes on a connection when any other
connection commits to the file, so one cheap pragma per interval says
whether to look; the change log then says which customers (every change
to a customer and its children writes a history row).

PostgreSQL without LISTEN (`live = "poll"`, e.g. only PgBouncer in
transaction pooling can be reached): the change log's newest id each
interval, one short query.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, func, select
from sqlmodel import col

from crm_tui.models import ChangeRecord
from crm_tui.services.live.changes import NEWEST_CHANGE, Changed

INTERVAL_S = 0.2

NEWER = "SELECT DISTINCT customer_id FROM change_history WHERE id > ? AND customer_id IS NOT NULL"
NEWEST = NEWEST_CHANGE


class SqlitePollFeed:
    """Watches a SQLite file through a read-only connection of its own."""

    def __init__(self, path: str, since: int | None = None) -> None:
        """`since`: report the change log's entries after this id at the first wait (what
        was committed after a screen's first read, made before the feed opened)."""
        uri = f"file:{quote(str(Path(path).absolute()))}?mode=ro"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=5)
        self._version = self._data_version()
        self._last = int(self._conn.execute(NEWEST).fetchone()[0])
        if since is not None and since != self._last:
            self._last = since
            self._version = -1  # the first wait reads the entries after `since`

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> Changed | None:
        deadline = time.monotonic() + timeout
        while True:
            version = self._data_version()
            if version != self._version:
                self._version = version
                found = self._newer()
                if found is not None:
                    return found
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(INTERVAL_S, left))

    def _newer(self) -> Changed | None:
        with closing(self._conn.cursor()) as cursor:
            cursor.execute("BEGIN")  # one snapshot for both reads
            try:
                newest = int(cursor.execute(NEWEST).fetchone()[0])
                ids = frozenset(int(r[0]) for r in cursor.execute(NEWER, (self._last,)))
            finally:
                cursor.execute("COMMIT")
        if newest < self._last:  # the log was emptied or the file replaced
            self._last = newest
            return Changed(everything=True)
        self._last = newest
        return Changed(ids) if ids else None

    def close(self) -> None:
        self._conn.close()


class HistoryPollFeed:
    """Any engine: the change log's newest id, every interval (PostgreSQL through PgBouncer)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._last = self._newest()

    def _newest(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.scalar(select(func.coalesce(func.max(col(ChangeRecord.id)), 0))) or 0)

    def wait(self, timeout: float) -> Changed | None:
        deadline = time.monotonic() + timeout
        while True:
            newest = self._newest()
            if newest != self._last:
                with self._engine.connect() as conn:
                    rows = conn.scalars(
                        select(col(ChangeRecord.customer_id))
                        .where(col(ChangeRecord.id) > self._last, col(ChangeRecord.id) <= newest)
                        .where(col(ChangeRecord.customer_id).is_not(None))
                        .distinct()
                    )
                    ids = frozenset(int(i) for i in rows if i is not None)
                self._last = newest
                if ids:
                    return Changed(ids)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(INTERVAL_S, left))

    def close(self) -> None:
        return None
