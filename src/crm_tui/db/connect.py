"""DB-API connections as the app makes them: SQLite pragmas, read-only opening,
PostgreSQL connect arguments. Standard library only (psycopg when asked for a
PostgreSQL connection): the engine (`engine.make_engine`) and the lean read
path of `crm lookup` / `crm show` open connections with this one code.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

if TYPE_CHECKING:
    import psycopg

BUSY_TIMEOUT_MS = 10_000
# Automatic server-side prepares can flip short searches to a generic plan
# costing seconds; we prepare nothing implicitly.
PG_CONNECT_ARGS: dict[str, Any] = {"prepare_threshold": None, "connect_timeout": 5}


def sqlite_pragmas(connection: sqlite3.Connection, journal_mode: str | None = "WAL") -> None:
    """The pragmas every connection gets; a reader passes journal_mode=None (never converts)."""
    connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    if journal_mode:
        cursor.execute(f"PRAGMA journal_mode = {journal_mode}")
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode across app crashes
    cursor.execute("PRAGMA secure_delete = ON")  # erased personal data is overwritten
    # Memory is bounded by (pooled connections x cache) + the mapped part of
    # the file: 3 x 32 MiB + 32 MiB keeps the app near 250 MB at a million
    # customers (python -m benchmarks list) with no slower search.
    cursor.execute("PRAGMA cache_size = -32768")  # 32 MiB
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA mmap_size = 33554432")  # 32 MiB
    cursor.close()


def sqlite_read_only(path: str | Path) -> sqlite3.Connection:
    """`path` opened through a `mode=ro` URI (percent-encoded): nothing can write it,
    and a missing file is an error, never a new database."""
    uri = f"file:{quote(str(Path(path).absolute()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)


def database_files(path: Path) -> list[Path]:
    """The SQLite file and the journal, WAL and shared-memory files beside it."""
    return [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))]


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL (what a path given to crm becomes);
    None for anything else (options, memory, another engine)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or len(url) == len(prefix):
        return None
    return Path(url[len(prefix) :])


def postgres_connect_args(url: str) -> dict[str, Any] | None:
    """psycopg.connect keywords for a plain `postgresql+psycopg://` URL, as SQLAlchemy's
    psycopg dialect passes them (host, port, user, password, dbname, then the query's
    options such as sslmode or service); None when the URL is not plain (several hosts,
    two @, a bad port...): the caller leaves it to SQLAlchemy, which says what is wrong."""
    scheme, _, rest = url.partition("://")
    if scheme != "postgresql+psycopg":
        return None
    parts = urlsplit("postgresql://" + rest)
    if parts.netloc.count("@") > 1 or "," in parts.netloc or parts.fragment:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    args: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (
        ("host", parts.hostname),
        ("port", port),
        ("user", unquote(parts.username) if parts.username is not None else None),
        ("password", unquote(parts.password) if parts.password is not None else None),
        ("dbname", unquote(parts.path[1:]) if len(parts.path) > 1 else None),
    ):
        if value is not None:
            args[key] = value
    return args


def postgres_read_only(url: str) -> psycopg.Connection[Any] | None:
    """A READ ONLY psycopg connection with the engine's connect arguments, or None
    for a URL that is not plain (see postgres_connect_args)."""
    args = postgres_connect_args(url)
    if args is None:
        return None
    import psycopg

    connection = psycopg.connect(**args, **PG_CONNECT_ARGS)
    connection.read_only = True
    return connection
