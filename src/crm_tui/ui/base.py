"""What screens, modals, flows and widgets may use of the running app, typed.

`app.py` imports every screen, so no module under ui/ may import `CrmApp`
back (that is a cycle, or a `cast` to a name it cannot import). Instead
`CrmAppBase` here declares the part of the app the rest of ui/ uses: the
services, read-only mode and the way to the customer screens, which
`CrmApp` implements. `CrmScreen` and `CrmModal` (and any widget that mixes
in `UsesCrm`) reach it as `self.crm`, and the services as `self.services`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Protocol, TypeVar

from textual import on
from textual.app import App
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from crm_tui.services.errors import CrmError
from crm_tui.services.registry import Services
from crm_tui.ui.key_order import KeyOrderApp

READ_ONLY_NOTICE = "The database is open read-only (--read-only); nothing can be changed."

ResultT = TypeVar("ResultT")


class CrmAppBase(KeyOrderApp):
    """The crm-tui app as the rest of ui/ sees it; `CrmApp` fills in the navigation."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    @property
    def read_only(self) -> bool:
        """True when the database was opened with --read-only: every write is refused."""
        return self.services.ctx.read_only

    def refuse_if_read_only(self) -> bool:
        """True (after saying why) when writes are off."""
        if self.read_only:
            self.notify(READ_ONLY_NOTICE, severity="warning", markup=False)
            return True
        return False

    def write_allowed(self, action: str, write_actions: Collection[str]) -> bool:
        """For `check_action`: False hides and disables `action` when it writes and writes are off."""
        return action not in write_actions or not self.read_only

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here: a clear notice, never a crash.

        Worker.StateChanged does not bubble: it reaches only the node that ran
        the worker. The app hands its own here, and every screen, modal and
        tab (UsesCrm) hands on theirs, after any handler of their own."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        message = str(error) if isinstance(error, CrmError) else f"Something went wrong: {error}"
        self.notify(message, severity="error", markup=False, timeout=8)

    @abstractmethod
    def open_customer(self, customer_id: int) -> None:
        """Push the customer's detail screen."""

    @abstractmethod
    def new_customer(self) -> None:
        """The new-customer wizard; lands on the saved customer."""

    @abstractmethod
    def edit_customer(self, customer_id: int) -> None:
        """The wizard on an existing customer."""

    @abstractmethod
    def quick_add(self) -> None:
        """The POS-style quick add dialog; lands on the saved (or chosen existing) customer."""


def crm_app(app: App[Any]) -> CrmAppBase:
    """`app` as the crm-tui app; a clear error when something else is running."""
    if not isinstance(app, CrmAppBase):
        raise TypeError(f"crm-tui screens run inside CrmApp, not {type(app).__name__}")
    return app


class _InApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class UsesCrm:
    """Mixed into a screen, modal or widget: `crm` (the app) and `services`, typed."""

    @property
    def crm(self: _InApp) -> CrmAppBase:
        return crm_app(self.app)

    @property
    def services(self: _InApp) -> Services:
        return crm_app(self.app).services

    def on_worker_state_changed(self: _InApp, event: Worker.StateChanged) -> None:
        """A worker of this node failed (or ended): tell the app's one failure handler,
        which would not hear of it otherwise (the message does not bubble)."""
        crm_app(self.app).report_worker_failure(event)


class CrmScreen(UsesCrm, Screen[ResultT]):
    """Every full screen of the app.

    Actions named in `WRITE_ACTIONS` write: in read-only mode their keys vanish
    from the footer and do nothing. Entry points reached another way (a
    callback, the palette) ask `writable()`, which says why when it is False.
    """

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    @dataclass
    class Written(Message):
        """A write in one of this screen's workers went through; `notice` (if any) says what."""

        notice: str = ""

    @on(Written)
    def _written(self, event: Written) -> None:
        if event.notice:
            self.notify(event.notice, markup=False)
        self.show_written()

    def show_written(self) -> None:
        """Show the data again after a write; screens that list data read it afresh here."""

    def run_write(self, job: Callable[[], str], description: str) -> None:
        """Run a service write in a thread worker; the sentence it returns comes back as
        `Written`. A refusal reaches the app's one worker-failure handler instead."""
        self.run_worker(
            partial(self._run_write, job),
            thread=True,
            group="write",
            exit_on_error=False,
            description=description,
        )

    def _run_write(self, job: Callable[[], str]) -> None:
        self.post_message(self.Written(job()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.crm.write_allowed(action, self.WRITE_ACTIONS)

    def writable(self) -> bool:
        """True when writes are allowed; otherwise False, after saying why."""
        return not self.crm.refuse_if_read_only()


class CrmModal(UsesCrm, ModalScreen[ResultT]):
    """Every dialog of the app: asks one thing and returns it through `dismiss()`."""
