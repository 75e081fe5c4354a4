"""The app's quick start: the list's first page read lean, the services opened behind it.

Importing SQLAlchemy and the model classes costs the app about half a second
before it could paint anything. On a plain database at this version's schema
(the case `search.lean` handles), the app instead starts on `QuickStart`:
the first page of the list (and any query typed before the services are
there) comes from the lean read path, and `open_services` runs in a thread
once the list is on screen. Anything that needs the services waits for that
thread; a failure there is raised to every caller, in its own words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_tui.config import Settings, os_login
from crm_tui.db.connect import plain_sqlite_path
from crm_tui.services.roles.policy import Permissions
from crm_tui.services.search import lean, limits

if TYPE_CHECKING:
    from crm_tui.services.registry import Services
    from crm_tui.services.search.values import Page


@dataclass(frozen=True)
class Opening:
    """What the screens need at once, before the services have loaded."""

    read_only: bool
    permissions: Permissions
    reporting_currency: str


class QuickStart:
    """Services opened in a thread (`start`, then `get`), and lean reads until then."""

    def __init__(
        self, settings: Settings, opening: Opening, newest_change: int, first_page: Page
    ) -> None:
        self.settings = settings
        self.opening = opening
        self.newest_change = newest_change  # the change log's id when the list was read
        self._first_page: Page | None = first_page  # read with it, handed out once
        self._services: Services | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def start(self, when_open: Callable[[], None] | None = None) -> None:
        """Open the services in a thread of their own (once); that thread calls
        `when_open` (given with the first start) once they are open, or failed to."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._open, args=(when_open,), name="crm-open", daemon=True
                )
                self._thread.start()

    def _open(self, when_open: Callable[[], None] | None = None) -> None:
        from crm_tui.services.registry import open_services

        try:
            self._services = open_services(self.settings, "create")
        except BaseException as exc:  # raised again to whoever asks for the services
            self._error = exc
        finally:
            self._done.set()
            if when_open is not None:
                when_open()

    def get(self) -> Services:
        """The services, once open (starting them if nobody has yet)."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._services is not None
        return self._services

    def page(self, text: str, limit: int) -> Page | None:
        """The list's first page for `text` (default filters and sort) on the lean path,
        while the services are not open yet; None once they are, or when it hands over."""
        if self.ready:
            return None
        first, self._first_page = self._first_page, None
        if first is not None and not text.strip() and limit == limits.LIST_PAGE:
            return first  # the list's opening read: `quick_start` made it already
        try:
            return lean.lookup(self.settings, text, limit)[0]
        except Exception:  # Unusual, or any failure: the services answer (and say why)
            return None

    def close(self) -> None:
        """Close the services when they opened (waiting for the thread if it runs)."""
        if self._thread is None:
            return
        self._done.wait()
        if self._services is not None:
            self._services.close()


def quick_start(settings: Settings) -> QuickStart | None:
    """A quick start on this database, or None when the app must open the services first
    (not SQLite, not at this schema, no reporting currency yet, another one configured,
    shared with other users...: the full path deals with each in its own words)."""
    if plain_sqlite_path(settings.database_url) is None:
        return None  # PostgreSQL: the login's role decides what the screens offer
    try:
        first_page, currency, newest = lean.list_start(settings, limits.LIST_PAGE)
    except Exception:  # Unusual, or any failure: the full path says what is wrong
        return None
    if settings.reporting_currency_explicit and settings.reporting_currency != currency:
        return None  # opening the services switches the currency first
    opening = Opening(settings.read_only, Permissions.unrestricted(os_login()), currency)
    return QuickStart(settings, opening, newest, first_page)
