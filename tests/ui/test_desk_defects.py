"""Small defects a clerk meets at the desk (issue 17, point 5), checked in the running app."""

from __future__ import annotations

from crm_tui.factory import make_app
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from tests.ui.conftest import ScreenApp, settle
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
