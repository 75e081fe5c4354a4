"""`crm db roles install`, `crm db grant` and `crm db revoke`: the group roles and who holds one.

These run as the database's administrator: making roles needs CREATEROLE
(or a superuser), granting on the tables needs their owner. PostgreSQL's
refusal becomes one sentence saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.roles.grants import (
    PRIVILEGES,
    Place,
    expected,
    grant_problems,
    installed,
    names_fit,
    place,
    quoted,
)
from crm_tui.services.roles.policy import Role
from crm_tui.services.roles.refusals import permission_denied

ADMIN_NEEDED = (
    "Managing crm roles needs a PostgreSQL login that may create roles and owns the tables "
    "(the database's owner with CREATEROLE, or a superuser)."
)


class RolesUnavailable(CrmError):
    """Roles cannot be managed here (SQLite, not installed, or not allowed)."""


@dataclass(frozen=True)
class Member:
    """A login holding a crm role."""

    login: str
    role: Role


@contextmanager
def _admin(engine: Engine) -> Iterator[tuple[Connection, Place]]:
    if engine.dialect.name != "postgresql":
        raise RolesUnavailable(
            "Roles are for a shared PostgreSQL database; a SQLite file belongs to whoever "
            "can open it."
        )
    try:
        with engine.begin() as conn:
            yield conn, place(conn)
    except DBAPIError as exc:
        if permission_denied(exc):
            raise RolesUnavailable(ADMIN_NEEDED) from exc
        raise


def install_roles(engine: Engine) -> list[str]:
    """Create the three group roles (if missing) and set their grants; what was done."""
    done: list[str] = []
    with _admin(engine) as (conn, where):
        if not names_fit(where.database):
            raise RolesUnavailable(
                f"The database name {where.database} is too long to name its roles after it; "
                "PostgreSQL names stop at 63 bytes."
            )
        for role in Role:
            group = where.group(role)
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": group}):
                conn.execute(text(f"CREATE ROLE {quoted(group)} NOLOGIN"))
                done.append(f"Created the {role} group role {group}.")
            _grant_all(conn, where, role)
        done.append(
            f"Granted {', '.join(where.group(r) for r in Role)} their rights on "
            f"{len(where.tables)} tables of {where.database}."
        )
        leftover = grant_problems(conn)
        if leftover:  # e.g. a grant to PUBLIC we may not revoke
            raise RolesUnavailable(leftover[0])
    return done


def refresh_grants(engine: Engine) -> list[str]:
    """After a migration: grant the roles the tables it added (nothing when not installed)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        if not installed(conn, place(conn)):
            return []
    return install_roles(engine)


def grant_tables(conn: Connection) -> None:
    """Set the roles' grants on every table, in the caller's transaction (after a migration,
    so the tables it added are the roles' too); nothing on SQLite or before `roles install`.

    A group role someone dropped is left out: `crm db check` names it.
    """
    if conn.dialect.name != "postgresql":
        return
    where = place(conn)
    if not installed(conn, where):
        return
    for role in Role:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": where.group(role)}):
            _grant_all(conn, where, role)


def _grant_all(conn: Connection, where: Place, role: Role) -> None:
    group = quoted(where.group(role))
    schema = quoted(where.schema)
    database = quoted(where.database)
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {group}"))
    if role is Role.MANAGER:  # the scratch schema of check and repair (grants.py)
        conn.execute(text(f"GRANT CREATE ON DATABASE {database} TO {group}"))
    else:
        conn.execute(text(f"REVOKE CREATE ON DATABASE {database} FROM {group}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {group}"))
    for table in where.tables:
        name = f"{schema}.{quoted(table)}"
        conn.execute(text(f"REVOKE ALL ON {name} FROM PUBLIC, {group}"))
        granted = [p for p in PRIVILEGES if p in expected(table, role)]
        conn.execute(text(f"GRANT {', '.join(granted)} ON {name} TO {group}"))
    sequences = "USAGE, SELECT" if role is not Role.VIEWER else "SELECT"
    conn.execute(text(f"GRANT {sequences} ON ALL SEQUENCES IN SCHEMA {schema} TO {group}"))


def _require_installed(conn: Connection, where: Place) -> None:
    if not installed(conn, where):
        raise RolesUnavailable(
            f"The crm roles are not installed on {where.database}; run crm db roles install first."
        )


def _require_login(conn: Connection, login: str) -> None:
    can_login = conn.scalar(
        text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": login}
    )
    if can_login is None:
        raise NotFound(
            f"PostgreSQL has no login called {login}; create it first "
            f"(CREATE ROLE {quoted(login)} LOGIN)."
        )
    if not can_login:
        raise RolesUnavailable(f"{login} is a group role, not a login; grant roles to logins.")


def grant_role(engine: Engine, login: str, role: Role) -> str:
    """Make `login` hold exactly `role` on this database; the sentence saying so."""
    with _admin(engine) as (conn, where):
        _require_installed(conn, where)
        _require_login(conn, login)
        for other in Role:
            if other is not role:
                conn.execute(text(f"REVOKE {quoted(where.group(other))} FROM {quoted(login)}"))
        conn.execute(text(f"GRANT {quoted(where.group(role))} TO {quoted(login)}"))
        effective = conn.scalar(text("SELECT crm_role_of(:n)"), {"n": login})
    if effective != role.value:
        return (
            f"{login} now holds the {role} role on {where.database}, but as its owner or a "
            f"superuser it still acts as a {effective}."
        )
    return f"{login} is now a {role} on {where.database}."


def revoke_roles(engine: Engine, login: str) -> str:
    """Take every crm role from `login`; the sentence saying what changed."""
    with _admin(engine) as (conn, where):
        _require_installed(conn, where)
        _require_login(conn, login)
        held = [m.role for m in _members(conn, where) if m.login == login]
        for role in Role:
            conn.execute(text(f"REVOKE {quoted(where.group(role))} FROM {quoted(login)}"))
    if not held:
        return f"{login} held no crm role on {where.database}; nothing changed."
    return f"{login} is no longer a {' or '.join(held)} on {where.database}."


def role_members(engine: Engine) -> list[Member]:
    """Who holds which crm role on this database, by login."""
    with _admin(engine) as (conn, where):
        _require_installed(conn, where)
        return _members(conn, where)


def _members(conn: Connection, where: Place) -> list[Member]:
    rows = conn.execute(
        text(
            "SELECT u.rolname, g.rolname FROM pg_auth_members a "
            "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles u ON u.oid = a.member "
            "WHERE g.rolname = ANY(CAST(:groups AS text[])) ORDER BY 1, 2"
        ),
        {"groups": [where.group(r) for r in Role]},
    )
    by_group = {where.group(r): r for r in Role}
    return [Member(str(login), by_group[str(group)]) for login, group in rows]
