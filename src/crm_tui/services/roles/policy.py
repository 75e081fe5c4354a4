"""Who may do what: the three roles, the capabilities they hold, and the one sentence
that says why something is refused (the same from the app, the CLI and a refusal
PostgreSQL itself raised).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crm_tui.services.errors import PermissionRefused

IMPORT_LIMIT = 1_000  # rows a clerk may import at once; more needs a manager


class Role(StrEnum):
    """A crm group role on a shared PostgreSQL, weakest first."""

    VIEWER = "viewer"
    CLERK = "clerk"
    MANAGER = "manager"


class Capability(StrEnum):
    """Something a role may or may not do."""

    READ = "read"
    CHANGE = "change"
    ERASE = "erase"
    MERGE = "merge"
    SETTINGS = "settings"
    IMPORT_LARGE = "import_large"
    PERSON_EXPORT = "person_export"
    BILL = "bill"
    REMIND = "remind"
    REPAIR = "repair"

    @property
    def writes(self) -> bool:
        """False for what only reads (refused by a role, never by --read-only)."""
        return self not in (Capability.READ, Capability.PERSON_EXPORT)


RANK = {Role.VIEWER: 0, Role.CLERK: 1, Role.MANAGER: 2}

# capability -> (the weakest role that holds it, what it lets you do, as words)
NEEDS: dict[Capability, tuple[Role, str]] = {
    Capability.READ: (Role.VIEWER, "read customers"),
    Capability.CHANGE: (Role.CLERK, "change customers"),
    Capability.ERASE: (Role.MANAGER, "erase customers"),
    Capability.MERGE: (Role.MANAGER, "merge customers"),
    Capability.SETTINGS: (
        Role.MANAGER,
        "change settings (segments, tag names, billing groups, exchange rates)",
    ),
    Capability.IMPORT_LARGE: (Role.MANAGER, f"import more than {IMPORT_LIMIT:,} rows at once"),
    Capability.PERSON_EXPORT: (Role.MANAGER, "export everything held about a person"),
    Capability.BILL: (Role.MANAGER, "run the billing of every customer"),
    Capability.REMIND: (Role.MANAGER, "send payment reminders"),
    Capability.REPAIR: (Role.MANAGER, "repair the database or recount every customer's figures"),
}


@dataclass(frozen=True)
class Permissions:
    """The connected login and its crm role.

    `enforced` is False on SQLite (a single-user file) and on a PostgreSQL
    database whose roles are not installed: everything is allowed there,
    as far as the database's own grants go.
    """

    login: str
    role: Role | None  # None: the login holds no crm role on this database
    enforced: bool = True
    owners_only: bool = False  # a clerk changes only the customers they own (or nobody owns)

    @classmethod
    def unrestricted(cls, login: str = "") -> Permissions:
        return cls(login, Role.MANAGER, enforced=False)

    def allows(self, needs: Capability) -> bool:
        if not self.enforced:
            return True
        return self.role is not None and RANK[self.role] >= RANK[NEEDS[needs][0]]

    def refusal(self, needs: Capability) -> str:
        """The one sentence naming the role and what it may not do."""
        needed, what = NEEDS[needs]
        who = f" ({self.login})" if self.login else ""
        if not self.enforced:
            return f"PostgreSQL does not let your login{who} {what}; ask its administrator."
        if self.role is None:
            return (
                f"Your login{who} has no crm role on this database, so it cannot {what}; "
                "ask an administrator to run crm db grant."
            )
        return f"As a {self.role}{who} you cannot {what}; that needs the {needed} role."

    def may_change(self, owner: str | None) -> bool:
        """Whether this login may change a customer owned by `owner`."""
        if not self.allows(Capability.CHANGE):
            return False
        limited = self.enforced and self.owners_only and self.role is Role.CLERK
        return not limited or owner is None or owner == self.login

    def owner_refusal(self, number: str, owner: str | None) -> str:
        """The sentence for a customer this login may not change (see `may_change`)."""
        if not self.allows(Capability.CHANGE):
            return self.refusal(Capability.CHANGE)
        return owner_refusal(self.login, number, owner or "someone else")

    def require(self, needs: Capability) -> None:
        """Raise PermissionRefused (with `refusal`) unless the role allows `needs`."""
        if not self.allows(needs):
            raise PermissionRefused(self.refusal(needs))


def owner_refusal(login: str, number: str, owner: str) -> str:
    """A clerk limited to their own customers, naming whose this one is."""
    return (
        f"As a clerk ({login}) you change only the customers you own, and {number} is "
        f"{owner}'s; a manager can give it to you."
    )
