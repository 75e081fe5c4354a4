"""Pilot tests of the POS-style quick add and its duplicate warning."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, OptionList

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.widgets.wizard.fields import WizardField
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)


@pytest.fixture
def ana(svc: Services) -> int:
    return svc.customers.create(
        CustomerCreate(
            first_name="Ana",
            last_name="Lima",
            email="Ana.Lima@example.pt",
            phone="+351 912 345 678",
        )  # fmt: skip
    ).id


async def fill(pilot: Pilot[None], name: str, phone: str, email: str, *then: str) -> None:
    """Type the three fields, tab between them, then press `then`."""
    await pilot.press(*name, "tab", *phone, "tab", *email, *then)
    await settle(pilot, rounds=2)


def warning_shown(app: ScreenApp) -> bool:
    return bool(app.top(QuickAddModal).query_one("#qa-duplicates").display)


async def test_quick_add_saves_and_returns_the_new_id(svc: Services) -> None:
    """Three fields and ctrl+s save a customer; the dialog answers with its id."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Ana Lima", "+351 912 345 678", "ana@example.pt", "ctrl+s")
    [new_id] = app.results
    assert new_id is not None
    saved = svc.customers.get(new_id)
    assert (saved.first_name, saved.last_name) == ("Ana", "Lima")
    assert (saved.phone, saved.email) == ("+351912345678", "ana@example.pt")


async def test_enter_saves_with_a_name_and_a_phone(svc: Services) -> None:
    """Enter saves too, and a phone alone is enough to reach the customer."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Cher", "020 7946 0958", "", "enter")
    assert app.results and app.results[0] is not None
    assert svc.customers.get(app.results[0]).phone == "+442079460958"


async def test_a_way_to_reach_them_is_required(svc: Services) -> None:
    """A name alone is refused with the service's message beside the phone."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Ana Lima", "", "", "ctrl+s")
        assert app.results == []
        assert "phone number or an e-mail" in app.top(QuickAddModal).field("phone").error
    assert svc.customers.count() == 0


async def test_bad_phone_is_shown_beside_it(svc: Services) -> None:
    """An unreadable phone is refused as the field is left, and nothing is saved."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Ana Lima", "12", "", "tab")
        phone = app.top(QuickAddModal).query_one("#qa-phone", WizardField)
        assert "not a valid number" in phone.error
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []


async def test_duplicate_by_email_case(svc: Services, ana: int) -> None:
    """The same e-mail in other case is caught; save anyway is off; enter opens the existing."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "A. Lima", "", "ANA.LIMA@EXAMPLE.PT", "ctrl+s")
        assert warning_shown(app)
        assert app.top(QuickAddModal).hits[0].id == ana
        assert app.top(QuickAddModal).query_one("#qa-save-anyway", Button).disabled
        assert isinstance(app.focused, OptionList)
        await pilot.press("ctrl+s")  # refused: the e-mail is taken
        await pilot.pause()
        assert app.results == []
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [ana]
    assert svc.customers.count() == 1


async def test_duplicate_by_phone_format_then_save_anyway(svc: Services, ana: int) -> None:
    """The same phone typed another way is caught; ctrl+s then saves anyway."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Bruno Reis", "00351 912-345-678", "", "ctrl+s")
        assert warning_shown(app)
        assert [h.id for h in app.top(QuickAddModal).hits] == [ana]
        assert "same phone" in app.top(QuickAddModal).hits[0].reasons
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=1)
    [new_id] = app.results
    assert new_id is not None and new_id != ana
    assert svc.customers.count() == 2


async def test_duplicate_by_similar_name_then_go_back(svc: Services, ana: int) -> None:
    """A similar name with a like e-mail is caught; escape goes back with the fields kept."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Anna Lima", "", "ana.lima@gmail.com", "ctrl+s")
        assert warning_shown(app)
        assert app.top(QuickAddModal).hits[0].reasons[0].startswith("similar name")
        await pilot.press("escape")
        await pilot.pause()
        assert not warning_shown(app)
        assert app.focused is not None and app.focused.id == "qa-name-input"
        assert app.top(QuickAddModal).values()["email"] == "ana.lima@gmail.com"
        assert app.results == []
    assert svc.customers.count() == 1


async def test_open_existing_with_the_button(svc: Services, ana: int) -> None:
    """The "Open existing" button answers with the highlighted existing customer's id."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "Ana Lima", "+351912345678", "", "ctrl+s")
        app.top(QuickAddModal).query_one("#qa-open", Button).press()
        await pilot.pause()
    assert app.results == [ana]


async def test_cancel_asks_only_when_typed(svc: Services) -> None:
    """Escape on an empty dialog closes it; after typing it asks first."""
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    app = ScreenApp(svc, QuickAddModal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("A", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmationModal)
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [None]


async def test_from_the_list_to_the_new_customer(svc: Services) -> None:
    """From the list: a, three fields, ctrl+s land on the new customer's detail screen."""
    detail = pytest.importorskip("crm_tui.ui.screens.customer_detail")
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=1)
        app.screen.set_focus(None)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, QuickAddModal)
        await fill(pilot, "Ana Lima", "+351 912 345 678", "ana@example.pt", "ctrl+s")
        assert isinstance(app.screen, detail.CustomerDetailScreen)
        assert app.screen.customer_id == svc.customers.resolve("ana@example.pt").id
