"""Read-only mode in the UI: write actions are hidden, a footer badge and a refused write say why.

Screens list their write actions; their `check_action` asks `write_allowed`,
so in read-only mode those keys vanish from the footer and do nothing. Entry
points reached another way (the palette, a callback) call `refuse_if_read_only`,
which shows the one notice explaining why.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from textual.app import App

READ_ONLY_NOTICE = "The database is open read-only (--read-only); nothing can be changed."


def is_read_only(app: App[Any]) -> bool:
    return bool(getattr(app, "read_only", False))


def refuse_if_read_only(app: App[Any]) -> bool:
    """True (after saying why) when writes are off."""
    if is_read_only(app):
        app.notify(READ_ONLY_NOTICE, severity="warning", markup=False)
        return True
    return False


def write_allowed(app: App[Any], action: str, write_actions: Collection[str]) -> bool:
    """For `check_action`: False hides and disables `action` when it writes and writes are off."""
    return action not in write_actions or not is_read_only(app)
