"""PostgreSQL: LISTEN on the channel the change_history trigger notifies at commit.

The listener has a connection of its own (autocommit: it holds no
transaction open), made from the engine's URL, or from `live_url` when
the app's URL goes through PgBouncer in transaction pooling, which cannot
carry LISTEN (the server connection changes between statements). A
dropped connection is made again; the first report after that is
"everything", since changes may have been missed meanwhile.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from crm_tui.services.live.changes import Changed

CHANNEL = "crm_customers"
BURST_S = 0.02  # after one notification, gather what follows this closely
RETRY_S = 2.0


def connect_args(url: str) -> dict[str, Any]:
    """psycopg's keyword arguments for a SQLAlchemy URL, its query options (service,
    sslmode, sslcert, ...) passed on to libpq as they are."""
    parsed = make_url(url)
    given = {"host": parsed.host, "port": parsed.port, "user": parsed.username,
             "password": parsed.password, "dbname": parsed.database}  # fmt: skip
    kwargs: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    for key, value in parsed.query.items():
        kwargs[key] = value if isinstance(value, str) else value[-1]
    return kwargs


class ListenFeed:
    """Notifications from PostgreSQL, as `Changed` reports."""

    def __init__(self, url: str) -> None:
        self._kwargs = connect_args(url)
        self._conn: psycopg.Connection[Any] | None = None
        self._missed = False
        self._next_try = 0.0
        self._connect()

    def _connect(self) -> None:
        conn = psycopg.connect(**self._kwargs, autocommit=True, connect_timeout=5)
        conn.execute(f"LISTEN {CHANNEL}")
        self._conn = conn

    def wait(self, timeout: float) -> Changed | None:
        if self._conn is None or self._conn.closed:
            return self._reconnect(timeout)
        try:
            found = self._gather(self._conn, timeout)
        except psycopg.OperationalError:
            self._conn = None
            self._missed = True
            return None
        if self._missed:
            self._missed = False
            return Changed(everything=True)
        return found

    @staticmethod
    def _gather(conn: psycopg.Connection[Any], timeout: float) -> Changed | None:
        found: Changed | None = None
        for note in conn.notifies(timeout=timeout, stop_after=1):
            found = Changed.parse(note.payload)
        if found is None:
            return None
        for note in conn.notifies(timeout=BURST_S):
            found = found | Changed.parse(note.payload)
        return found

    def _reconnect(self, timeout: float) -> Changed | None:
        if time.monotonic() < self._next_try:
            time.sleep(timeout)
            return None
        try:
            self._connect()
        except psycopg.OperationalError:
            self._next_try = time.monotonic() + RETRY_S
            return None
        self._missed = False
        return Changed(everything=True)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
