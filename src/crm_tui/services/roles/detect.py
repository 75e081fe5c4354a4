"""The connected login's crm role, read once when the services open."""

from __future__ import annotations

from sqlalchemy import Engine, text

from crm_tui.services.roles.policy import Permissions, Role

STATES = {"manager": Role.MANAGER, "clerk": Role.CLERK, "viewer": Role.VIEWER, "none": None}


def read_permissions(engine: Engine, *, local_login: str) -> Permissions:
    """SQLite: everything, as `local_login` (a single-user file). PostgreSQL: the
    session login and its role from crm_role_of (migration 0011); everything
    while the roles are not installed."""
    if engine.dialect.name != "postgresql":
        return Permissions.unrestricted(local_login)
    with engine.connect() as conn:
        login, state, owners_only = conn.execute(
            text(
                "SELECT session_user, crm_role_of(session_user), "
                "coalesce((SELECT owners_only FROM access_policy WHERE id = 1), false)"
            )
        ).one()
    if state == "unmanaged":
        return Permissions.unrestricted(str(login))
    return Permissions(str(login), STATES[str(state)], owners_only=bool(owners_only))
