"""What the UI tests share: one `settle()`, the app opened on one screen, and its services.

`settle(pilot)` waits until the workers a key started have finished and their
results have landed; snapshot tests pass `still=True` so no cursor blinks in
the picture. `ScreenApp` is the real app opened straight on one screen (no
list underneath) that records what the screen dismissed with; `svc` gives
a test services on an empty database (`demo_services` has the demo data).
Test modules import the helpers as `from tests.ui.conftest import ...`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerFailed

from crm_tui.config import Settings
from crm_tui.services.registry import Services, open_services
from crm_tui.ui.app import CrmApp

ScreenT = TypeVar("ScreenT", bound=Screen[Any])


async def settle(
    pilot: Pilot[Any],
    *,
    rounds: int = 3,
    delay: float | None = None,
    still: bool = False,
    failures_expected: bool = False,
) -> None:
    """Let workers finish and their messages land, `rounds` times over.

    `delay` pauses that long after each round (timers such as a debounce get
    their turn); `still` stops cursors blinking, for a stable snapshot. A
    worker that fails makes this raise, unless the test made it fail on purpose
    (`failures_expected`: the app shows the failure, and waiting on a worker
    that has not been reaped yet would re-raise it). A cancelled worker is no
    failure: a newer search replaced it, or its dialog closed with the answer
    it had just handed back.
    """
    quiet = (WorkerCancelled, WorkerFailed) if failures_expected else (WorkerCancelled,)
    for _ in range(rounds):
        with contextlib.suppress(*quiet):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(delay)
    if still:
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False


async def settle_still(pilot: Pilot[Any]) -> None:
    """`settle` as snapshot tests want it before the picture: 50 ms rounds, no blinking."""
    await settle(pilot, delay=0.05, still=True)


class ScreenApp(CrmApp):
    """The real app opened straight on one screen; `results` holds what it dismissed with."""

    def __init__(self, services: Services, make: Callable[[], Screen[Any]]) -> None:
        super().__init__(services)
        self.make = make
        self.results: list[Any] = []

    def on_mount(self, event: events.Mount) -> None:  # type: ignore[override]
        event.prevent_default()  # skip CrmApp.on_mount: no list screen underneath
        self.push_screen(self.make(), callback=self.results.append)

    def top(self, kind: type[ScreenT]) -> ScreenT:
        """The screen on top, checked to be a `kind`."""
        screen = self.screen
        assert isinstance(screen, kind), screen
        return screen


@pytest.fixture
def svc(sqlite_settings: Settings) -> Iterator[Services]:
    """Services on an empty migrated SQLite database."""
    services = open_services(sqlite_settings)
    yield services
    services.close()
