"""Likely duplicates shown while a new customer is typed: quick add and the wizard's first step."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.live_duplicates import LiveDuplicates
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)


@pytest.fixture
def ana(svc: Services) -> int:
    return svc.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana.lima@example.pt", phone="+447911123456"
        )  # fmt: skip
    ).id


def live_lines(app: ScreenApp) -> list[str]:
    live = app.screen.query_one(LiveDuplicates)
    if not live.display:
        return []
    options = live.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_quick_add_warns_while_typing_and_ctrl_o_opens_it(svc: Services, ana: int) -> None:
    """A burst of keys lands whole in the fields; the same phone shows the customer on file with
    its reason; ctrl+o answers with that customer instead of adding one."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"Anna Lima", "tab", *"07911 123456")  # no pause between keys
        assert app.screen.query_one("#qa-phone-input", Input).value == "07911 123456"
        assert app.screen.query_one("#qa-name-input", Input).value == "Anna Lima"
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        [line] = live_lines(app)
        assert line.startswith(f"C-{ana:06d}  Ana Lima") and "(same phone)" in line
        await pilot.press("ctrl+o")
        await settle(pilot)
    assert app.results == [ana]
    assert len(svc.search.search("lima").rows) == 1  # nothing was added


async def test_a_name_alone_warns_of_nothing_and_a_changed_field_clears(
    svc: Services, ana: int
) -> None:
    """No warning for a namesake without a matching phone or e-mail; a new e-mail shows it,
    changing it away hides it again."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"Ana Lima")
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        assert live_lines(app) == []
        await pilot.press("tab", "tab", *"ANA.LIMA@example.pt")
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        assert "(same e-mail)" in live_lines(app)[0]
        email = app.screen.query_one("#qa-email-input", Input)
        email.value = "someone.else@example.pt"
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        assert live_lines(app) == []


async def test_wizard_first_step_warns_and_opens_one_of_several(svc: Services, ana: int) -> None:
    """Two customers share the phone: the wizard lists both under its first step; ctrl+o moves
    to the list and enter opens the one highlighted (the app then shows it)."""
    rui = svc.customers.create(
        CustomerCreate(first_name="Rui", last_name="Lima", phone="+447911123456")
    ).id
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await pilot.press(*"Ana", "tab", *"Lima", "tab", "tab", *"+44 7911 123456")
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        lines = live_lines(app)
        assert len(lines) == 2 and all("same phone" in line for line in lines)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "live-dup-list"
        await pilot.press("down", "enter")
        await settle(pilot)
    assert app.results and app.results[0] in {ana, rui}
    assert len(app.results) == 1


async def test_wizard_edit_shows_no_duplicates(svc: Services, ana: int) -> None:
    """Editing a customer never lists it (or its namesakes) as a duplicate of itself."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(ana))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        app.screen.query_one("#field-first_name", Input).value = "Anna"
        await settle(pilot, delay=LiveDuplicates.PAUSE + 0.05)
        assert live_lines(app) == []
