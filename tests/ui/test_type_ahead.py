"""Type-ahead: keys sent in one burst land in the field that has the focus after the keys before them."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input
from textual.worker import WorkerCancelled

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.item_form import ItemFormModal
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from crm_tui.ui.widgets.wizard.fields import WizardField
from tests.ui.typeahead import type_ahead

SIZE = (80, 24)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):  # a dialog closed with its answer
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def value(app: CrmApp, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def test_quick_add_from_the_list_takes_name_then_phone(svc: Services) -> None:
    """`a`, then `Tom<Tab>07911123458` at once: Name "Tom", Phone the digits."""
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")  # from the search box to the results
        await type_ahead(pilot, "a", "Tom", "tab", "07911123458", "tab", "tom@example.com")
        assert isinstance(app.screen, QuickAddModal)
        assert value(app, "#qa-name-input") == "Tom"
        assert value(app, "#qa-phone-input").replace(" ", "") in {"07911123458", "+447911123458"}
        assert value(app, "#qa-email-input") == "tom@example.com"


async def test_whole_wizard_typed_ahead_from_the_list(svc: Services) -> None:
    """`n` and a full run in one burst: Tab, shift+Tab (back into a field, whose text the
    retyped name replaces) and step changes land every key where a slow typist's would."""
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        await type_ahead(
            pilot, "n", "Ana", "tab", "Lim", "tab", "ana@example.pt", "shift+tab", "Lima", "tab",
            "tab", "+351 912 345 678", "tab", "1990-04-02", "ctrl+n",
            "1 Rua Augusta", "tab", "tab", "Lisboa", "tab", "1100-048", "ctrl+n",
            "pt", "ctrl+n", "VIP", "tab", "vip", "tab", "120", "tab", "tab", "Walk-in", "tab",
            "Met at the shop", "ctrl+n",
        )  # fmt: skip
        wizard = app.screen
        assert isinstance(wizard, CustomerWizardScreen) and wizard.current == "review"
        values = {f.spec.name: f.value for f in wizard.query(WizardField) if f.id}
        assert values["first_name"] == "Ana" and values["last_name"] == "Lima"
        assert values["email"] == "ana@example.pt"
        assert str(values["date_of_birth"]) == "1990-04-02"
        assert values["language"] == "pt" and values["segment"] == "VIP"
        assert values["loyalty_points"] == "120" and values["note_title"] == "Walk-in"
        [address] = wizard.query_one(ChildrenStep).forms("address")
        typed = {f.spec.name: f.value for f in address.fields()}
        assert (typed["line1"], typed["city"], typed["postal_code"]) == (
            "1 Rua Augusta", "Lisboa", "1100-048",
        )  # fmt: skip


async def test_payment_form_typed_ahead(svc: Services) -> None:
    """`n` on Payments, then the amount, six Tabs and a reference: each in its own field."""
    customer = svc.customers.create(CustomerCreate(first_name="Ines", email="ines@example.com"))
    app = CrmApp(svc, open_customer_id=customer.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_ahead(pilot, "4", "n", "12.50", *["tab"] * 6, "INV-7")
        form = app.screen
        assert isinstance(form, ItemFormModal)
        values = form.current_values()
        assert (values["amount"], values["reference"]) == ("12.50", "INV-7")
        assert values["paid_at"] == date.today().isoformat()


async def test_note_form_typed_ahead_back_and_forth(svc: Services) -> None:
    """Title, Tab into the text, shift+Tab back (selecting the title), a new title replaces it."""
    customer = svc.customers.create(CustomerCreate(first_name="Ines", email="ines@example.com"))
    app = CrmApp(svc, open_customer_id=customer.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_ahead(
            pilot, "5", "n", "Call back", "tab", "About fibre", "shift+tab", "Ring back"
        )
        form = app.screen
        assert isinstance(form, ItemFormModal)
        values = form.current_values()
        assert (values["title"], values["body"]) == ("Ring back", "About fibre")


async def test_address_form_typed_ahead(svc: Services) -> None:
    """`n` on the Overview opens on line 1; street, line 2 and city each land in their field."""
    customer = svc.customers.create(CustomerCreate(first_name="Ines", email="ines@example.com"))
    app = CrmApp(svc, open_customer_id=customer.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_ahead(pilot, "n", "1 High Street", "tab", "Flat 2", "tab", "London")
        form = app.screen
        assert isinstance(form, ItemFormModal)
        values = form.current_values()
        assert (values["line1"], values["line2"], values["city"]) == (
            "1 High Street", "Flat 2", "London",
        )  # fmt: skip


async def test_wizard_add_address_puts_the_cursor_in_line_one(svc: Services) -> None:
    """ "+ Add address" then a street typed at once: the street is in the new row's line 1."""
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        await type_ahead(pilot, "n", "Ana", "tab", "Lima", "tab", "ana@example.pt", "ctrl+n")
        wizard = app.screen
        assert isinstance(wizard, CustomerWizardScreen)
        wizard.query_one("#add-address", Button).focus()
        await type_ahead(pilot, "enter", "2 Low Road")
        first, second = wizard.query_one(ChildrenStep).forms("address")
        assert second.field("line1").value == "2 Low Road"
        assert first.field("line1").value == ""


async def test_quick_add_warns_of_a_name_with_digits_and_saves_it(svc: Services) -> None:
    """A phone spilled into the name is pointed out as the name is left, and still saves."""
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        await type_ahead(pilot, "a", "Tom07911123458", "tab")
        dialog = app.screen
        assert isinstance(dialog, QuickAddModal)
        warning = dialog.field("name").warning
        assert warning is not None and "digits" in warning
        await type_ahead(pilot, "07911123458", "ctrl+s")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, CustomerDetailScreen)
    assert svc.customers.get(detail.customer_id).first_name == "Tom07911123458"


async def test_escape_escape_g_in_one_burst_opens_go_to(svc: Services) -> None:
    """A terminal sends Esc-then-g at once as the bytes of Alt+g: from a search, `Esc Esc g`
    in one read clears the query, moves to the results and opens Go to, typing nothing."""
    app = CrmApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_ahead(pilot, "smi")
        for key in (events.Key("escape", "\x1b"), events.Key("alt+g", "g")):
            app.post_message(key)  # what the driver posts for the bytes ESC ESC g
        await type_ahead(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert app.screen_stack[-2].query_one("#search-input", Input).value == ""
