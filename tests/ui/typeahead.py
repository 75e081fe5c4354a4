"""Keys sent the way a terminal delivers a burst: all queued at once, no pause between them.

`pilot.press()` waits for the app to go idle after every key, which hides
type-ahead bugs; `type_ahead()` posts the whole sequence first, like one read
from a fast typist, a scanner or a paste over SSH.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from crm_tui.ui.key_order import KeyOrderApp


def key_event(key: str) -> events.Key:
    """The Key event a terminal driver posts for `key` ("T", "@", "tab", "ctrl+s")."""
    if len(key) == 1:
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    character = {"enter": "\r", "tab": "\t", "space": " "}.get(key)
    return events.Key(key, character)


def keys_of(*parts: str) -> list[str]:
    """Named keys as they are ("tab", "shift+tab", "enter"), any other string one key a character."""
    named = {"tab", "shift+tab", "enter", "escape", "ctrl+s", "backspace", "down", "up", "space"}
    keys: list[str] = []
    for part in parts:
        keys.extend([part] if part in named or part.startswith("ctrl+") else list(part))
    return keys


async def type_ahead(pilot: Pilot[Any], *parts: str) -> None:
    """Queue every key on the app in one go, then wait until all were delivered and handled."""
    app = pilot.app
    assert isinstance(app, KeyOrderApp)
    for key in keys_of(*parts):
        app.post_message(key_event(key))
    while True:
        await pilot.pause()
        if not app.keys_pending:
            break
        await app.keys_settled()
