"""A demo into a SQLite file that does not exist yet: built beside it, put in place whole.

Nobody can be using a database that is not there yet, so the demo builds it
as a private temp file in the same folder (services/private_files.py: 0600,
locked by its builder while it lives), loads the rows with the indexes a
load fills out of order set aside (load_indexes.py), makes them at the end,
checks the schema is again the one the migrations made, and links the file
into place; a file that appeared at the target meanwhile is never written
over. A load stopped or failed at any point, or a process killed, leaves
nothing at the target: the temp file is removed, or cleared by the next
demo or export to the same name (its lock is gone).

A database that exists, even empty, is filled in place as before
(builder.py): clerks may have it open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from crm_tui.config import Settings
from crm_tui.db.connect import database_files, plain_sqlite_path
from crm_tui.services.demo.builder import DemoBuilder, DemoResult
from crm_tui.services.errors import CrmError
from crm_tui.services.opening import folder_for
from crm_tui.services.private_files import glob_escape, private_output, remove_leftovers

_SIDE_FILES = ("-wal", "-shm", "-journal")
_TEMP_SUFFIX = ".part"  # private_output's temp files: ".<target name>.<random>.part"


class DemoNotBuilt(CrmError):
    """A new demo database failed its check before being put in place."""


def new_database_path(settings: Settings) -> Path | None:
    """The file the demo would create: a plain SQLite path with nothing there yet (no
    database, nor a journal or WAL left by one); None otherwise."""
    path = plain_sqlite_path(settings.database_url)
    if path is None:
        return None
    if any(p.exists() or p.is_symlink() for p in database_files(path)):
        return None
    return path


def build_new_database(
    settings: Settings,
    path: Path,
    customers: int,
    *,
    seed: int,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    phase: Callable[[str], None] | None = None,
    rows_seen: Callable[[DemoBuilder], None] | None = None,
) -> DemoResult:
    """Build `customers` demo customers into a new database at `path` (see the module doc).
    Returns the result; when the load was stopped, its count of customers is short and
    nothing is at `path`. `rows_seen(builder)` is handed the builder (its running count of
    rows) before the load starts."""
    from crm_tui.services.registry import open_services

    folder_for(path)
    remove_leftovers(path)
    _remove_orphaned_side_files(path)
    stopped: DemoResult | None = None
    try:
        with private_output(path, clear_leftovers=False) as temp:
            services = open_services(
                dataclasses.replace(settings, database_url=f"sqlite:///{temp}"), "create"
            )
            try:
                with services.ctx.db.engine.connect() as conn:
                    migrated = _schema(conn)
                builder = DemoBuilder(services.ctx, seed=seed, as_of=as_of, indexes_later=True)
                if rows_seen:
                    rows_seen(builder)
                result = builder.run(customers, progress, cancelled, phase)
                if result.customers < customers:
                    stopped = result
                    raise _Stopped
                if phase:
                    phase("Checking")
                with services.ctx.db.engine.connect() as conn:
                    _check(conn, migrated, customers)
            finally:
                services.close()  # the last connection closed: SQLite empties its WAL
            _all_in_the_file(temp)
    except _Stopped:
        assert stopped is not None
        return stopped
    finally:
        _remove_orphaned_side_files(path)  # the temp's, whatever happened to it
    return result


class _Stopped(Exception):
    """The load was stopped: the temp file is thrown away."""


def _schema(conn: Connection) -> list[tuple[str, ...]]:
    """Every table, index, trigger and view with its text, but the planner's statistics."""
    rows = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
    ).all()
    return [tuple(str(v) for v in row) for row in rows]


def _check(conn: Connection, migrated: list[tuple[str, ...]], customers: int) -> None:
    """The schema is the migrated one again (every index made), every customer is in."""
    if _schema(conn) != migrated:
        raise DemoNotBuilt(
            "The new demo database's schema differs from the migrated one; it was not kept."
        )
    found = conn.exec_driver_sql("SELECT count(*) FROM customer").scalar()
    if found != customers:
        raise DemoNotBuilt(
            f"The new demo database holds {found} customers instead of {customers}; "
            "it was not kept."
        )


def _all_in_the_file(temp: Path) -> None:
    """The closed temp database's WAL holds nothing more (the file alone is put in place);
    its empty side files go."""
    for side in database_files(temp)[1:]:
        if side.name.endswith("-wal") and side.exists() and side.stat().st_size > 0:
            raise DemoNotBuilt(
                "The new demo database could not be written back from its WAL; it was not kept."
            )
        side.unlink(missing_ok=True)


def _remove_orphaned_side_files(target: Path) -> None:
    """Journal and WAL files of temp databases whose builder was killed: their temp file
    is gone (remove_leftovers takes it once its lock is free), a live builder's is not."""
    for suffix in _SIDE_FILES:
        pattern = f".{glob_escape(target.name)}.*{_TEMP_SUFFIX}{suffix}"
        for side in target.parent.glob(pattern):
            if not side.with_name(side.name[: -len(suffix)]).exists():
                side.unlink(missing_ok=True)
