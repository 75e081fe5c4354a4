"""Whether clerks change only their own customers (PostgreSQL's row-level security
enforces it; migration 0013). Turning it on or off is a manager's setting."""

from __future__ import annotations

from crm_tui.models import AccessPolicy
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import CrmError
from crm_tui.services.roles.policy import Capability


def set_owners_only(ctx: ServiceContext, on: bool) -> str:
    """Switch the limit; the sentence saying what now holds."""
    if ctx.db.dialect != "postgresql":
        raise CrmError(
            "Owners-only editing is for a shared PostgreSQL database; a SQLite file has one user."
        )
    with ctx.write(Capability.SETTINGS) as session:
        row = session.get(AccessPolicy, 1)
        if row is None:
            session.add(AccessPolicy(id=1, owners_only=on))
        else:
            row.owners_only = on
    if on:
        return "Clerks now change only the customers they own (and those nobody owns)."
    return "Clerks may change every customer again."
