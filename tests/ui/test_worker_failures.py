"""A refusal in any screen's, dialog's or tab's worker reaches the one notice (Worker.StateChanged
does not bubble, so the app alone never heard of them)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services
from crm_tui.ui.base import CrmModal, CrmScreen
from tests.ui.conftest import ScreenApp, settle


def _refuse() -> str:
    raise ValidationError("name", "That name is taken; choose another.")


class _Refusing(CrmScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("a screen")

    def on_mount(self) -> None:
        self.run_write(_refuse, "a write the services refuse")


class _RefusingModal(CrmModal[None]):
    def compose(self) -> ComposeResult:
        yield Static("a dialog")

    def on_mount(self) -> None:
        self.run_worker(_refuse, thread=True, exit_on_error=False)


async def test_screen_and_dialog_refusals_are_said_once(svc: Services) -> None:
    """Each refusal is one error notice with the service's sentence; the app keeps running."""
    for make in (_Refusing, _RefusingModal):
        app = ScreenApp(svc, make)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, failures_expected=True)
            said = [(n.message, n.severity) for n in app._notifications]
            assert said == [("That name is taken; choose another.", "error")]
            assert isinstance(app.screen, make)
