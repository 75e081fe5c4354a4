"""PostgreSQL's own refusals (SQLSTATE 42501, insufficient_privilege) as the role's sentence.

A refusal raised by the customer guard (migration 0011) carries the
capability in its HINT (`crm:erase`); one from the grants themselves is
taken to be about what the caller was doing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from crm_tui.services.errors import PermissionRefused
from crm_tui.services.roles.policy import Capability, Permissions, owner_refusal

INSUFFICIENT_PRIVILEGE = "42501"


def permission_denied(exc: BaseException) -> bool:
    """True when PostgreSQL refused the statement for want of a privilege."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def refused_capability(exc: BaseException) -> Capability | None:
    """The capability a crm guard named in its hint, if it was one of ours."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    hint = str(getattr(diag, "message_hint", "") or "")
    name = hint.removeprefix("crm:") if hint.startswith("crm:") else ""
    return Capability(name) if name in set(Capability) else None


def _row_security(exc: BaseException) -> bool:
    """A row-level security policy (owners only, migrations 0013 and 0016) refused the row."""
    return "row-level security" in str(getattr(exc, "orig", exc))


def refusal_sentence(exc: BaseException, permissions: Permissions, needs: Capability) -> str:
    """The role's sentence for what PostgreSQL refused; when the role should have
    allowed it, the grants are what is wrong, and the sentence says so."""
    capability = refused_capability(exc) or needs
    if _row_security(exc) and permissions.may_change(None) and not permissions.may_change(""):
        return owner_refusal(permissions.login, "this customer", "someone else")
    if permissions.enforced and permissions.allows(capability):
        return (
            f"PostgreSQL refused this although the {permissions.role} role should allow it; "
            "crm db check lists the grants that are missing."
        )
    return permissions.refusal(capability)


@contextmanager
def translated(current: Callable[[], Permissions], needs: Capability) -> Iterator[None]:
    """Turn PostgreSQL's permission error inside the block into PermissionRefused,
    worded for the role `current()` reads then (it may have changed since the start)."""
    try:
        yield
    except Exception as exc:  # SQLAlchemy's DBAPIError: not imported before the first write
        if not permission_denied(exc):
            raise
        raise PermissionRefused(refusal_sentence(exc, current(), needs)) from exc
