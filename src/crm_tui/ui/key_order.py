"""Type-ahead: each key goes to the widget that has the focus after the keys before it.

Why this is needed: Textual's App takes a key off its queue and forwards it
to `app.focused` at once, while the effect of the key before it is still on
its way. Tab and Enter travel from the focused Input up to a binding or a
`Submitted` handler through one message queue per widget, and `focus()`
itself is only a callback queued behind the keys already waiting. So with
`Tom<Tab>0791...` arriving in one read (a scanner, a paste, a fast typist,
SSH), the digits reach the Name input before the Tab has moved the focus,
and a key typed right after `a` (quick add) reaches the list, not the dialog.

The fix, once for every form: a key that arrives while the previous key is
still being handled is held, and released only when the app, the screen and
every widget on it have handled everything that key set off (a focus move, a
`Submitted` handler, a step change, a dialog mounting). A key that arrives
when the app is quiet goes straight through, so a typist at human speed sees
no extra latency. Thread workers (searches, duplicate checks) are not waited
for: their results are messages that land whenever they are ready.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# A chain of messages (key -> input -> parent -> ... -> app -> focus) takes
# one round per hop. Past this long the app is busy with something else (a
# timer, an animation, a handler awaiting something slow) and the held key is
# released anyway, so no key is ever swallowed.
SETTLE_LIMIT = 10.0
ROUND_TIMEOUT = 2.0
# How long to wait for the repaint that runs after-refresh callbacks.
FRAME = 1 / 200

HeldEvent = events.Key | events.Paste


class KeyOrderApp(App[None]):
    """An App that delivers keys typed ahead to the focus each one would have met."""

    def __init__(self) -> None:
        super().__init__()
        self._held: deque[HeldEvent] = deque()
        self._released: HeldEvent | None = None
        self._key_pump: asyncio.Task[None] | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and event is not self._released:
            split = self._escape_then_key(event)
            if split is not None:
                for part in split:  # each one held or handled in turn, as if typed so
                    await self.on_event(part)
                return
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if event is self._released:
                self._released = None
            elif self._key_pump is not None:
                self._held.append(event)
                return
            else:
                await super().on_event(event)
                self._key_pump = asyncio.create_task(self._pump_keys())
                return
        await super().on_event(event)

    def _escape_then_key(self, event: events.Key) -> tuple[events.Key, events.Key] | None:
        """A terminal sends Alt+X and Esc-then-X as the same bytes (ESC X), so Esc followed
        at once by a key arrives as 'alt+X'. Where nothing binds alt+X it was Esc, then X:
        the clerk's 'Esc g' in one burst clears the search and opens Go to, instead of
        typing a 'g' into the search box."""
        key, character = event.key, event.character
        if not key.startswith("alt+") or character is None or not character.isprintable():
            return None
        try:
            if key in self.screen.active_bindings:
                return None
        except Exception:  # no screen: the app is starting or closing
            return None
        return events.Key("escape", "\x1b"), events.Key(key.removeprefix("alt+"), character)

    @property
    def keys_pending(self) -> bool:
        """True while a key is held or the last one is still being handled."""
        return self._key_pump is not None

    async def keys_settled(self) -> None:
        """Wait until every key typed so far has been delivered and handled."""
        while self._key_pump is not None:
            await asyncio.shield(self._key_pump)

    async def _pump_keys(self) -> None:
        """Settle after the key just handled, then release the held keys one at a time."""
        try:
            await self._settle()
            while self._held and not self._exit_requested():
                self._released = self._held.popleft()
                self.post_message(self._released)
                await self._settle()
        finally:
            self._held.clear()
            self._released = None
            self._key_pump = None

    def _exit_requested(self) -> bool:
        return self._exit or self._closing or self._closed

    def _pumps(self) -> list[MessagePump]:
        """The app and everything on its current screen (which a key may just have changed)."""
        try:
            screen = self.screen
        except Exception:  # no screen: the app is starting or closing
            return [self]
        return [self, *screen.walk_children(with_self=True)]

    def _focus_path(self) -> list[MessagePump]:
        """The app, the screen and the focused widget with its ancestors: where a key's
        handlers run, so where one may be awaiting something with an empty queue."""
        try:
            screen = self.screen
        except Exception:  # no screen: the app is starting or closing
            return [self]
        focused = screen.focused
        return [self, screen, *(focused.ancestors_with_self if focused is not None else ())]

    async def _settle(self) -> None:
        """Rounds until one starts with nothing pending and ends the same way.

        A round posts a callback to every pump with something queued (or still
        mounting) and to the focus path, and waits until each has run it: so
        everything queued before it, and any handler in flight, is done.
        Callbacks a handler asked for after the next repaint (a wizard step
        focusing its first field) are pending too: they wait for a frame.
        Pumps with nothing queued get no callback, so a screen of hundreds of
        widgets costs a walk, not hundreds of messages, per key.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT
        while loop.time() < deadline and not self._exit_requested():
            busy = [pump for pump in self._pumps() if _busy(pump)]
            repaint = self._waiting_for_repaint()
            if repaint and not busy:
                await asyncio.sleep(FRAME)
                continue
            await _one_round([*self._focus_path(), *busy])
            if not busy and not repaint and not self._pending():
                return

    def _pending(self) -> bool:
        return self._waiting_for_repaint() or any(_busy(pump) for pump in self._pumps())

    def _waiting_for_repaint(self) -> bool:
        try:
            return bool(self.screen._callbacks)
        except Exception:  # no screen: the app is starting or closing
            return False


def _busy(pump: MessagePump) -> bool:
    """Something queued, or a widget still composing and mounting (that runs outside its queue)."""
    return not pump._message_queue.empty() or not pump._is_mounted


async def _one_round(pumps: list[MessagePump]) -> None:
    """Each pump handles what it has queued, then our callback; wait for all of them."""
    remaining = 0
    done = asyncio.Event()

    def one_done() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            done.set()

    for pump in pumps:
        if pump.call_later(one_done):
            remaining += 1
    if remaining:
        try:
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT)
        except TimeoutError:
            return
