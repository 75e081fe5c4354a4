"""What screens, modals, flows and widgets may use of the running app, typed.

`app.py` imports every screen, so no module under ui/ may import `CrmApp`
back (that is a cycle, or a `cast` to a name it cannot import). Instead
`CrmAppBase` here declares the part of the app the rest of ui/ uses: the
services, read-only mode and the way to the customer screens, which
`CrmApp` implements. `CrmScreen` and `CrmModal` (and any widget that mixes
in `UsesCrm`) reach it as `self.crm`, and the services as `self.services`.
"""

from __future__ import annotations

import gc
from abc import abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from textual import on
from textual.app import App
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from crm_tui.services.deferred import Opening, QuickStart
from crm_tui.services.errors import CrmError
from crm_tui.services.live.changes import Changed
from crm_tui.services.roles import Capability, Permissions, Role
from crm_tui.services.roles.refusals import permission_denied, refusal_sentence
from crm_tui.services.search.values import CustomerRow
from crm_tui.ui.key_order import KeyOrderApp

if TYPE_CHECKING:  # the list paints before the services (SQLAlchemy, models) load
    from crm_tui.services.registry import Services

READ_ONLY_NOTICE = "The database is open read-only (--read-only); nothing can be changed."

ResultT = TypeVar("ResultT")


class CrmAppBase(KeyOrderApp):
    """The crm-tui app as the rest of ui/ sees it; `CrmApp` fills in the navigation."""

    def __init__(
        self, services: Services | QuickStart, *, freeze_after_start: bool = False
    ) -> None:
        super().__init__()
        self.freeze_after_start = freeze_after_start
        self.quick_start: QuickStart | None = None
        self._services: Services | None = None
        self._started = False
        if isinstance(services, QuickStart):
            self.quick_start = services
            self.opening = services.opening
        else:
            self._services = services
            ctx = services.ctx
            self.opening = Opening(ctx.read_only, ctx.permissions, ctx.reporting_currency)

    @property
    def services(self) -> Services:
        """The services; on a quick start, once its thread has opened them (waiting)."""
        if self._services is None:
            assert self.quick_start is not None
            self._services = self.quick_start.get()
        return self._services

    @property
    def services_ready(self) -> bool:
        return self._services is not None or (
            self.quick_start is not None and self.quick_start.ready
        )

    @property
    def permissions(self) -> Permissions:
        """The login's crm role, read when the app opened (everything on SQLite)."""
        return self.opening.permissions

    @property
    def reporting_currency(self) -> str:
        """The currency of every figure (recorded in the database)."""
        return self.opening.reporting_currency

    @property
    def read_only(self) -> bool:
        """True when nothing can be changed: --read-only, or a role that only reads."""
        return self.refusal(Capability.CHANGE) is not None

    def refusal(self, needs: Capability) -> str | None:
        """Why `needs` is not allowed (one sentence), or None when it is."""
        if needs.writes and self.opening.read_only:
            return READ_ONLY_NOTICE
        return None if self.permissions.allows(needs) else self.permissions.refusal(needs)

    def badge(self) -> str | None:
        """What the footer says about writes: read-only, or a role short of manager."""
        if self.opening.read_only:
            return "read-only"
        permissions = self.permissions
        if not permissions.enforced or permissions.role is Role.MANAGER:
            return None
        return permissions.role.value if permissions.role else "no role"

    def refuse_unless(self, needs: Capability) -> bool:
        """True (after saying why, naming the role) when `needs` is not allowed."""
        why = self.refusal(needs)
        if why is not None:
            self.notify(why, severity="warning", markup=False)
        return why is not None

    def refuse_if_read_only(self) -> bool:
        """True (after saying why) when changes are off."""
        return self.refuse_unless(Capability.CHANGE)

    def write_allowed(
        self, action: str, write_actions: Collection[str], needs: Capability = Capability.CHANGE
    ) -> bool:
        """For `check_action`: False hides and disables `action` when it writes and the
        role (or --read-only) does not allow `needs`."""
        return action not in write_actions or self.refusal(needs) is None

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here: a clear notice, never a crash.

        Worker.StateChanged does not bubble: it reaches only the node that ran
        the worker. The app hands its own here, and every screen, modal and
        tab (UsesCrm) hands on theirs, after any handler of their own."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if permission_denied(error):  # PostgreSQL's own refusal, in the role's words
            # (the role read at the start: no query on the UI thread; writes made
            # through the services were already worded for the role held now)
            message = refusal_sentence(error, self.permissions, Capability.CHANGE)
        elif isinstance(error, CrmError):
            message = str(error)
        else:
            message = f"Something went wrong: {error}"
        self.notify(message, severity="error", markup=False, timeout=8)

    @dataclass
    class ServicesOpened(Message):
        """A quick start's services are open (or failed to open): work that waited for
        them (the list's count and figures) can start without blocking a worker thread."""

    def started(self) -> None:
        """The list is painted and the services are open (once per app). With
        `freeze_after_start` (the `crm` process, which runs one app): what exists now
        (modules, classes, the mappers, the styles) lives as long as the app, so the
        collector stops walking it (`gc.freeze`); a full collection walked it all, hundreds
        of milliseconds inside a keystroke's frame. Not in a process that runs many apps
        (tests): an app gone but not yet collected would be kept for good."""
        if self.freeze_after_start and not self._started:
            gc.freeze()
        self._started = True

    def load_services(self) -> None:
        """Called once the list is painted: a quick start opens its services now, and
        says so with `ServicesOpened` to every screen (`services_opened`)."""
        if self.quick_start is not None:
            self.quick_start.start(self._say_services_opened)

    def _say_services_opened(self) -> None:  # in the thread that opened them
        self.post_message(self.ServicesOpened())

    @on(ServicesOpened)
    def _services_opened(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, UsesCrm):
                screen.services_opened()

    @abstractmethod
    def open_customer(self, customer_id: int, glimpse: CustomerRow | None = None) -> None:
        """Push the customer's detail screen (`glimpse`: the list's row, for its header's
        first frame)."""

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

    def customers_changed(self, changed: Changed) -> None:
        """Someone committed changes to these customers; screens showing them read
        them again (the app calls this on every screen in its stack)."""

    def services_opened(self) -> None:
        """A quick start's services have opened: start what waited for them."""

    def on_worker_state_changed(self: _InApp, event: Worker.StateChanged) -> None:
        """A worker of this node failed (or ended): tell the app's one failure handler,
        which would not hear of it otherwise (the message does not bubble)."""
        crm_app(self.app).report_worker_failure(event)


class CrmScreen(UsesCrm, Screen[ResultT]):
    """Every full screen of the app.

    Actions named in `WRITE_ACTIONS` write and need `WRITE_NEEDS` (changing
    customers, unless a screen of settings says otherwise): in read-only mode
    or for a role without it their keys vanish from the footer and do
    nothing. Entry points reached another way (a callback, the palette) ask
    `writable()`, which says why when it is False.
    """

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    WRITE_NEEDS: ClassVar[Capability] = Capability.CHANGE

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
        return self.crm.write_allowed(action, self.WRITE_ACTIONS, self.WRITE_NEEDS)

    def writable(self) -> bool:
        """True when this screen's writes are allowed; otherwise False, after saying why."""
        return not self.crm.refuse_unless(self.WRITE_NEEDS)


class CrmModal(UsesCrm, ModalScreen[ResultT]):
    """Every dialog of the app: asks one thing and returns it through `dismiss()`."""
