"""Other clerks' commits on open screens: a daemon thread turns the change feed
(services.live) into `CustomersChanged` messages for the app.

A thread of its own, not a Textual worker: it runs as long as the app does,
and a worker that never ends would hold up everything waiting for the
workers to finish. Posting a message is thread-safe; nothing here touches
a widget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message

from crm_tui.services.live import Changed, ChangeFeed, open_feed

if TYPE_CHECKING:
    from crm_tui.services.registry import Services

WAIT_S = 0.25  # how long one wait blocks: also how soon `stop` is noticed
RETRY_S = 5.0  # after the feed could not be opened (server down, no LISTEN right)


@dataclass
class CustomersChanged(Message):
    """Someone committed changes to these customers (this app's own saves included)."""

    changed: Changed


class LiveUpdates:
    """Starts with the app, stops with it; reports what the feed sees."""

    def __init__(
        self, app: App[Any], services: Callable[[], Services], *, since: int | None = None
    ) -> None:
        """`services`: how to get them, in this thread (on a quick start it waits for them to
        open); `since`: the change log's id when the list was first read (a quick start),
        so that what was committed before the feed opened is reported too."""
        self._app = app
        self._services = services
        self._since = since
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crm-live", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        feed: ChangeFeed | None = None
        try:
            while not self._stop.is_set():
                if feed is None:
                    feed = self._open()
                    if feed is None:
                        continue
                try:
                    changed = feed.wait(WAIT_S)
                except Exception:  # the feed broke: open another after a pause
                    feed.close()
                    feed = None
                    self._stop.wait(RETRY_S)
                    continue
                if changed is not None and not self._stop.is_set():
                    self._app.post_message(CustomersChanged(changed))
        finally:
            if feed is not None:
                feed.close()

    def _open(self) -> ChangeFeed | None:
        try:
            feed = open_feed(self._services().ctx, self._since)
        except Exception:  # e.g. the server is unreachable just now: try again later
            self._stop.wait(RETRY_S)
            return None
        if feed is None:  # live updates are off here
            self._stop.set()
        return feed
