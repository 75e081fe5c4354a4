"""The status actions of a customer screen: which apply from which status, and what they ask."""

from __future__ import annotations

# action -> (menu label, question); which apply depends on the current status
STATUS_ACTIONS: dict[str, tuple[str, str]] = {
    "deactivate": ("Deactivate", "Deactivate {name}? They stay on file and can be reactivated."),
    "reactivate": ("Reactivate", "Make {name} active again?"),
    "block": ("Block…", "Block {name}"),
    "unblock": ("Unblock", "Unblock {name}? They become active again."),
}


def status_actions_for(status: str) -> list[str]:
    """The status actions that make sense from `status` (none for a merged customer)."""
    if status == "merged":
        return []
    if status == "blocked":
        return ["unblock", "deactivate"]
    if status == "active":
        return ["deactivate", "block"]
    return ["reactivate", "block"]
