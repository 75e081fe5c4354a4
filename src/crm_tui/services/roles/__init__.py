"""Roles on a shared PostgreSQL: who may do what, enforced by the database itself.

The policy is re-exported here (it is light: the CLI and UI ask it at
every turn); installing roles (roles.install), reading the login's role
(roles.detect), the expected grants (roles.grants) and PostgreSQL's
refusals (roles.refusals) are imported from their modules when needed.
"""

from crm_tui.services.roles.policy import IMPORT_LIMIT, Capability, Permissions, Role

__all__ = ["IMPORT_LIMIT", "Capability", "Permissions", "Role"]
