"""Small defects a clerk meets at the desk (issue 17, point 5), checked in the running app."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from crm_tui.factory import make_app
from crm_tui.services.billing.inputs import (
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate, NoteCreate
from crm_tui.services.registry import Services
from crm_tui.ui.modals.item_form import ItemFormModal
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.fitted_table import FittedTable
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from tests.ui.conftest import ScreenApp, settle
from tests.ui.test_customer_detail import DetailHarness
from tests.ui.test_wizard import type_in


def _line(table: CustomerTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


async def test_list_phones_read_as_on_the_detail_screen(svc: Services) -> None:
    """The list shows "+44 7911 123456", not the stored "+447911123456", in either column."""
    svc.customers.create(CustomerCreate(first_name="Ana", last_name="Lima", phone="07911123456"))
    svc.customers.create(
        CustomerCreate(first_name="Rui", last_name="Lima", phone="+351932524590", email="r@x.pt")
    )
    for width, expected in ((120, ("+44 7911 123456", "+351 932 524 590")), (80, ("+44 7911",))):
        async with make_app(svc).run_test(size=(width, 24)) as pilot:
            await settle(pilot)
            table = pilot.app.screen.query_one(CustomerTable)
            shown = _line(table, 1) + _line(table, 2)
            for phone in expected:
                assert phone in shown, shown
            assert "+447911123456" not in shown


async def test_wizard_reads_the_phone_in_the_address_country(svc: Services) -> None:
    """'912 345 678' on the first step waits (a note says why) and is saved as a Portuguese
    number once the address says Lisboa, PT; the default region is GB."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Rui", "tab", "Lima", "tab", "tab", "912 345 678", "tab")
        phone = app.top(CustomerWizardScreen).field("phone")
        assert phone.value == "912 345 678" and phone.warning is not None
        assert "Not a GB number" in phone.warning
        await type_in(pilot, "ctrl+n")
        assert app.top(CustomerWizardScreen).current == "children"
        await type_in(pilot, "1 Rua Augusta", "tab", "tab", "Lisboa", "tab", "1100-048")
        await type_in(pilot, "tab", "tab", "PT", "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results and app.results[0] is not None
    assert svc.customers.get(app.results[0]).phone == "+351912345678"


async def test_wizard_edit_reads_a_new_phone_in_the_stored_address_country(svc: Services) -> None:
    """Editing a customer with a Lisbon address: a national number is read as Portuguese."""
    rui = svc.customers.create(
        CustomerCreate(
            first_name="Rui",
            addresses=[AddressCreate(line1="1 Rua Augusta", city="Lisboa", country="PT")],
        )
    )
    app = ScreenApp(svc, lambda: CustomerWizardScreen(rui.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, rounds=2)
        phone = app.top(CustomerWizardScreen).field("phone")
        phone.focus_control()
        await type_in(pilot, "912 345 678", "tab")
        assert phone.value == "+351 912 345 678" and phone.warning is None
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert svc.customers.get(rui.id).phone == "+351912345678"


async def test_p_makes_a_card_the_default_and_refuses_an_expired_one(svc: Services) -> None:
    """On the Payments tab's cards, `p` moves the default; an expired card says why it cannot."""
    ana = svc.customers.create(CustomerCreate(first_name="Ana")).id
    card = {"brand": "Visa", "bin": "424242", "exp_month": 12, "holder_name": "Ana Lima"}
    svc.billing.add_payment_method(ana, PaymentMethodCreate(last4="4242", exp_year=2099, **card))
    svc.billing.add_payment_method(ana, PaymentMethodCreate(last4="1881", exp_year=2098, **card))
    svc.billing.add_payment_method(ana, PaymentMethodCreate(last4="0005", exp_year=2020, **card))
    async with DetailHarness(svc, ana).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        cards = pilot.app.screen.query_one("#methods-table", FittedTable)
        cards.focus()
        await pilot.press("down", "p")
        await settle(pilot)
        states = {m.last4: m.is_default for m in svc.billing.payment_methods(ana)}
        assert states == {"4242": False, "1881": True, "0005": False}
        table = [[str(c) for c in cards.get_row_at(i)] for i in range(cards.row_count)]
        assert [(r[2], r[5]) for r in table] == [
            ("1881", "default"),
            ("4242", ""),
            ("0005", "expired"),
        ]
        cards.focus()
        cards.move_cursor(row=2)
        await pilot.pause()
        await pilot.press("p")
        await settle(pilot, failures_expected=True)
        said = [n.message for n in pilot.app._notifications]
        assert any("an expired card cannot be the default" in m for m in said), said
        assert [m.last4 for m in svc.billing.payment_methods(ana) if m.is_default] == ["1881"]


async def test_a_call_records_its_length_and_outcome(svc: Services) -> None:
    """Length and outcome rows appear for a call (with a call's outcomes), the call saves
    them, and the timeline's detail line reads them back."""
    ana = svc.customers.create(CustomerCreate(first_name="Ana")).id
    async with DetailHarness(svc, ana).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ItemFormModal)
        assert not dialog.query_one("#row-duration_minutes").display
        dialog.query_one("#field-type", Select).value = "call"
        await pilot.pause()
        assert dialog.query_one("#row-duration_minutes").display
        outcome = dialog.query_one("#field-outcome", Select)
        assert [str(o[0]) for o in outcome._options if o[1] is not Select.NULL] == [
            "reached", "no answer", "left voicemail", "busy", "wrong number",
        ]  # fmt: skip
        dialog.query_one("#field-title", Input).focus()
        await pilot.press(*"Renewal", "tab", *"25")
        outcome.value = "reached"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [call] = svc.notes.list(ana)
        assert (call.type, call.duration_minutes, call.outcome) == ("call", 25, "reached")
        body = pilot.app.screen.query_one("#note-body", Static)
        assert "25 min · reached" in str(body.render())


async def test_one_of_each_reads_in_the_singular(svc: Services) -> None:
    """A customer with one subscription, payment and note: no tab says "1 subscriptions"."""
    ana = svc.customers.create(CustomerCreate(first_name="Ana")).id
    plan = svc.billing.add_subscription(
        ana, SubscriptionCreate(product="Fibre", monthly_amount="29.99", start_date="2025-01-01")
    )
    svc.billing.record_payment(ana, PaymentCreate(amount="29.99", subscription_id=plan.id))
    svc.notes.add(ana, NoteCreate(title="Welcome call", type="call"))
    expected = {
        "3": ("#subs-note", "1 subscription, 1 active"),
        "4": ("#payments-note", "1 payment "),
        "5": ("#notes-note", "1 entry "),
        "6": ("#history-note", "changes, newest first"),
    }
    async with DetailHarness(svc, ana).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, (note, words) in expected.items():
            await pilot.press(key)
            await settle(pilot)
            shown = str(pilot.app.screen.query_one(note, Static).render())
            assert words in shown, shown
