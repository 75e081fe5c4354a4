"""Opening the database the way a command needs it: read, write or create.

- "read" (lookup, show, export, dry runs, check, and everything under
  --read-only): the database must exist and be at this version's schema; it
  is opened read-only (SQLite `mode=ro`, PostgreSQL READ ONLY transactions)
  and never created, migrated or converted to WAL.
- "write" (merge, erase): it must exist; an older schema is migrated.
- "create" (the app, `crm db upgrade`, demo, import): a missing SQLite file
  is created (0600, in a 0700 data folder) and any schema brought to head.

A missing database, a folder or a file that is not a crm database are each
one sentence; nothing is created as a side effect of reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm_tui.config import Settings, default_database_path
from crm_tui.db import schema_head
from crm_tui.db.connect import database_files as database_files
from crm_tui.db.engine import Database, make_engine
from crm_tui.services.errors import CrmError, PermissionRefused
from crm_tui.services.private_files import (
    create_private_file,
    make_private,
    private_dir,
    readable_by_others,
    reason,
)
from crm_tui.services.roles.policy import Capability, Permissions
from crm_tui.services.roles.refusals import permission_denied

Access = Literal["read", "write", "create"]


class DatabaseUnavailable(CrmError):
    """The database cannot be opened as the command needs (missing, not ours, too old)."""


def effective_access(settings: Settings, access: Access) -> Access:
    """--read-only makes every command a reader: it never creates or migrates."""
    return "read" if settings.read_only else access


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file the settings name, or None for PostgreSQL (or memory)."""
    parsed = make_url(settings.database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def where(settings: Settings) -> str:
    """The database as a clerk names it: the file's path, or the URL without its password."""
    path = sqlite_path(settings)
    if path is not None:
        return str(path)
    return make_url(settings.database_url).render_as_string(hide_password=True)


def exposed_files(settings: Settings) -> list[Path]:
    """The database's files other local users can read (none on PostgreSQL)."""
    path = sqlite_path(settings)
    if path is None:
        return []
    return [p for p in database_files(path) if readable_by_others(p)]


def secure(settings: Settings) -> list[Path]:
    """Make the SQLite database's files 0600 (and the default data folder 0700).

    Returns what was changed. A folder the user chose is left alone: it may
    hold other people's files, and private files inside it are enough.
    """
    path = sqlite_path(settings)
    if path is None:
        raise DatabaseUnavailable(
            "crm db secure is for SQLite files; a PostgreSQL database is protected "
            "by the server's logins and grants."
        )
    _check_file(path, create=False)
    targets = database_files(path)
    if path == default_database_path():
        targets.append(path.parent)
    try:
        return make_private(targets)
    except OSError as exc:
        raise DatabaseUnavailable(f"{path} cannot be made private: {reason(exc)}.") from exc


def open_engine(settings: Settings, access: Access, *, read_only: bool = False) -> Engine:
    """The engine, after the file checks; the SQLite file is made here when creating."""
    access = effective_access(settings, access)
    path = sqlite_path(settings)
    if path is not None:
        _check_file(path, create=access == "create")
    return make_engine(settings.database_url, read_only=read_only or access == "read")


def _check_file(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise DatabaseUnavailable(f"{path} is a folder, not a crm database file.")
    if path.exists():
        return
    if not create:
        raise DatabaseUnavailable(f"There is no crm database at {path}.")
    folder_for(path)
    try:
        # Made 0600 before SQLite opens it: its WAL and SHM files copy this mode.
        create_private_file(path)
    except OSError as exc:
        raise DatabaseUnavailable(f"The database {path} cannot be made: {reason(exc)}.") from exc


def folder_for(path: Path) -> None:
    """The folder a new database file goes in: the default data folder is made (0700)
    when missing; a folder the user named must exist."""
    if path.parent.is_dir():
        return
    if path != default_database_path():
        raise DatabaseUnavailable(f"The folder {path.parent} does not exist.")
    try:
        private_dir(path.parent)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"The data folder {path.parent} cannot be made: {reason(exc)}."
        ) from exc


@dataclass(frozen=True)
class SchemaState:
    """What a database holds before anything is changed: our revision, anyone's tables."""

    revision: str | None  # None: no crm schema
    has_tables: bool


def schema_state(engine: Engine) -> SchemaState:
    """One query when the database is ours (the common case); a table listing otherwise."""
    try:
        with engine.connect() as conn:
            revision = conn.execute(text(schema_head.REVISION_QUERY)).scalar()
        return SchemaState(revision, True)
    except DBAPIError as exc:
        if permission_denied(exc):  # a login holding no crm role: say that, not "no crm tables"
            raise PermissionRefused(_no_role(engine)) from exc
        lowered = str(exc.orig).lower()
        if "alembic_version" not in lowered:  # not "no such table": a real failure
            raise
    with engine.connect() as conn:  # a fresh one: PostgreSQL aborted the last transaction
        return SchemaState(None, bool(inspect(conn).get_table_names()))


def _no_role(engine: Engine) -> str:
    with engine.connect() as conn:
        login = str(conn.execute(text("SELECT session_user")).scalar())
    return Permissions(login, None).refusal(Capability.READ)


def probe(settings: Settings, access: Access) -> SchemaState:
    """The file checks, then the schema looked at through a read-only connection.

    Nothing is written before we know the database is ours (or new): a
    read-write SQLite connection would already switch a file to WAL.
    """
    engine, state = _probed(settings, access)
    engine.dispose()
    return state


def _probed(settings: Settings, access: Access) -> tuple[Engine, SchemaState]:
    """`probe`, handing back its read-only engine (a reader goes on with it)."""
    access = effective_access(settings, access)
    engine = open_engine(settings, access, read_only=True)
    try:
        state = schema_state(engine)
        _judge(settings, access, state, engine)
    except DBAPIError as exc:
        engine.dispose()
        path = sqlite_path(settings)
        lowered = str(exc.orig).lower()
        if path is not None and ("not a database" in lowered or "encrypted" in lowered):
            raise DatabaseUnavailable(f"{path} is not a crm database (not a SQLite file).") from exc
        raise
    except BaseException:
        engine.dispose()
        raise
    return engine, state


def _judge(settings: Settings, access: Access, state: SchemaState, engine: Engine) -> None:
    """Refuse what this access may not open (see the module docstring)."""
    if state.revision is None and state.has_tables:
        raise DatabaseUnavailable(
            f"{where(settings)} is not a crm database (it has no crm tables)."
        )
    if state.revision is None and access != "create":
        raise DatabaseUnavailable(f"There is no crm database at {where(settings)}.")
    if state.revision not in (None, schema_head.SCHEMA_HEAD) and access == "read":
        from crm_tui.db import migrate

        migrate.check_not_newer(engine)
        raise DatabaseUnavailable(
            f"The database at {where(settings)} has an older schema ({state.revision}); "
            "run `crm db upgrade` first."
        )


def open_database(settings: Settings, access: Access = "create") -> Database:
    """The database, opened for `access` and at this version's schema (see the module doc)."""
    access = effective_access(settings, access)
    if access == "read":
        reader, _state = _probed(settings, access)  # at head, or _judge refused it
        return Database(reader)
    state = probe(settings, access)
    engine = make_engine(settings.database_url)
    if state.revision != schema_head.SCHEMA_HEAD:
        from crm_tui.db import migrate
        from crm_tui.services.roles.install import grant_tables

        try:  # refuses a schema newer than this app knows; grants what it adds
            migrate.upgrade(engine, then=grant_tables)
        except BaseException:
            engine.dispose()
            raise
    return Database(engine)
