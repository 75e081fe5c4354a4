"""Pilot tests of the customer detail screen: every tab, its forms, status and conflicts."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Select, Static, TextArea

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    ContactUpdate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.registry import Services, open_services
from crm_tui.ui import clock
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.conflict import ConflictModal
from crm_tui.ui.modals.item_form import ItemFormModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)
HOSTILE = "[bold]x[/] [@click=app.quit]q[/] \x1b[31mred"
CARD = "4111 1111 1111 1111"


class DetailHarness(ScreenApp):
    """The real app on one customer's detail screen; records the edits it asked the app for."""

    def __init__(self, services: Services, customer_id: int) -> None:
        super().__init__(services, lambda: CustomerDetailScreen(customer_id))
        self.edited: list[int] = []

    def edit_customer(self, customer_id: int) -> None:
        self.edited.append(customer_id)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overdue follow-ups are judged against a fixed day."""
    monkeypatch.setattr(clock, "today_override", date(2026, 1, 15))


def business(svc: Services, company: str = "Acme Ltd") -> int:
    c = svc.customers.create(
        CustomerCreate(kind="business", company_name=company, first_name="Ana", last_name="Lima", email="ana@acme.example", phone="+44 20 7946 0958", currency="GBP", segment="VIP", owner="dara", loyalty_points=120, payment_terms="Net 30", tags=["priority"]),
    )  # fmt: skip
    cid = c.id
    svc.contacts.add(cid, ContactCreate(first_name="Bea", last_name="Costa", title="CFO"))
    svc.contacts.add(cid, ContactCreate(first_name="Carl", last_name="Diaz", title="Buyer"))
    svc.addresses.add(
        cid, AddressCreate(line1="1 High Street", city="London", postal_code="N1 1AA")
    )
    sub = svc.billing.add_subscription(
        cid, SubscriptionCreate(product="Fibre Broadband", variant="500 Mb", monthly_amount="29.99", start_date="2025-01-01"),
    )  # fmt: skip
    method = svc.billing.add_payment_method(
        cid, PaymentMethodCreate(brand="Visa", bin="424242", last4="4242", exp_month="12", exp_year="2030", holder_name="Ana Lima"),
    )  # fmt: skip
    for day, status in (("2025-02-01", "paid"), ("2025-03-01", "failed")):
        svc.billing.record_payment(
            cid, PaymentCreate(amount="29.99", status=status, paid_at=day, subscription_id=sub.id, payment_method_id=method.id),
        )  # fmt: skip
    svc.billing.add_order(
        cid,
        OrderCreate(items=[OrderItemCreate(description="Router", quantity=2, unit_price="10.00")]),
    )
    svc.notes.add(cid, NoteCreate(title="Called about the router", type="call"))
    svc.notes.add(cid, NoteCreate(title="Send the quote", type="task", follow_up_on="2026-01-10"))
    return cid


def individual(svc: Services, **extra: Any) -> int:
    data = {"first_name": "Ines", "last_name": "Sousa", "email": "ines@example.com", **extra}
    return svc.customers.create(CustomerCreate(**data)).id


def text_of(widget: Widget) -> str:
    content = widget.content if isinstance(widget, Static) else ""
    return content.plain if isinstance(content, Text) else str(content)


def rows(pilot: Pilot[Any], selector: str) -> list[list[str]]:
    table = pilot.app.screen.query_one(selector)
    assert isinstance(table, (DataTable, FittedTable)), table
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def notices(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


def form(pilot: Pilot[Any]) -> ItemFormModal:
    assert isinstance(pilot.app.screen, ItemFormModal), pilot.app.screen
    return pilot.app.screen


def fill(pilot: Pilot[Any], **values: str | bool) -> None:
    """Set form fields as a user would leave them."""
    for name, value in values.items():
        widget = form(pilot).query_one(f"#field-{name}")
        if isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = str(value)
        elif isinstance(widget, Input):
            widget.value = str(value)


def field_error(pilot: Pilot[Any], name: str) -> str:
    error = form(pilot).query_one(f"#error-{name}", Static)
    return text_of(error) if error.has_class("-shown") else ""


async def save(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


# --- painting and the header --------------------------------------------------------------


async def test_header_shows_who_this_is(svc: Services) -> None:
    """The header names the customer with kind, status, number, segment, owner, tags, since."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        title = text_of(pilot.app.screen.query_one("#header-title", Static))
        meta = text_of(pilot.app.screen.query_one("#header-meta", Static))
        assert "Acme Ltd" in title and "ACTIVE" in title and "business" in title
        assert f"C-{cid:06d}" in title
        assert "VIP" in meta and "dara" in meta and "priority" in meta and "Since" in meta


async def test_blocked_reason_stands_out(svc: Services) -> None:
    """A blocked customer's reason is shown in a banner under the header."""
    cid = individual(svc)
    svc.customers.block(cid, "Repeated chargebacks")
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        banner = pilot.app.screen.query_one("#header-banner", Static)
        assert banner.display and "BLOCKED: Repeated chargebacks" in text_of(banner)


async def test_slow_database_never_freezes_keys(svc: Services) -> None:
    """While the Overview waits on a slow query, the screen paints and switches tabs."""
    cid = business(svc)
    gate = threading.Event()
    real = svc.figures.for_customer

    def slow(customer_id: int) -> Any:
        gate.wait(10)
        return real(customer_id)

    svc.figures.for_customer = slow  # type: ignore[method-assign]
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Loading" in text_of(pilot.app.screen.query_one("#header-title", Static))
        await pilot.press("5")
        await pilot.pause(0.3)
        assert pilot.app.screen.query_one("#detail-tabs").active == "tab-notes"  # type: ignore[attr-defined]
        assert any("Send the quote" in r[3] for r in rows(pilot, "#notes-table"))
        gate.set()
        await settle(pilot)
        assert "Acme Ltd" in text_of(pilot.app.screen.query_one("#header-title", Static))


# --- overview ---------------------------------------------------------------------------------


async def test_overview_shows_details_figures_and_addresses(svc: Services) -> None:
    """Overview lists contact and business details, preferences, figures and addresses."""
    cid = business(svc)
    group = svc.billing_groups.create("North accounts")
    svc.customers.update(cid, CustomerUpdate(billing_group_id=group.id), expected_version=1)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert "ana@acme.example" in text_of(screen.query_one("#ov-contact", Static))
        business_panel = text_of(screen.query_one("#ov-business", Static))
        assert "Net 30" in business_panel and "North accounts" in business_panel
        figures = text_of(screen.query_one("#ov-figures", Static))
        assert "£29.99" in figures  # lifetime value: one paid payment
        assert "1 active, 0 ended" in figures
        assert "120 points" in text_of(screen.query_one("#ov-prefs", Static))
        assert rows(pilot, "#address-table")[0][0] == "billing ★ default"


async def test_overview_edit_opens_customer_editor(svc: Services) -> None:
    """`e` on the Overview hands the customer to the app's editor."""
    cid = individual(svc)
    app = DetailHarness(svc, cid)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert app.edited == [cid]


async def test_add_address_and_validation_message(svc: Services) -> None:
    """`n` on the Overview adds an address; a bad country is explained beside the field."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        fill(pilot, line1="9 Rua Augusta", city="Lisboa", country="ZZ")
        await save(pilot)
        assert "not an ISO code" in field_error(pilot, "country")
        fill(pilot, country="PT")
        await save(pilot)
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        assert "9 Rua Augusta, Lisboa" in rows(pilot, "#address-table")[0][1]


async def test_edit_address_with_enter(svc: Services) -> None:
    """Enter on an address opens it for editing; the change is saved."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.screen.query_one("#address-table").focus()
        await pilot.press("enter")
        fill(pilot, city="Leeds")
        await save(pilot)
        assert svc.addresses.list(cid)[0].city == "Leeds"


# --- contacts ---------------------------------------------------------------------------------


async def test_contacts_listed_primary_first(svc: Services) -> None:
    """Contacts show title and the primary one first, starred."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = rows(pilot, "#contacts-table")
        assert table[0][:3] == ["★", "Bea Costa", "CFO"]
        assert table[1][1] == "Carl Diaz"


async def test_contacts_do_not_apply_to_individuals(svc: Services) -> None:
    """An individual's Contacts tab says why it is empty, and `n` explains too."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "individual" in text_of(pilot.app.screen.query_one("#contacts-note", Static))
        assert not pilot.app.screen.query_one("#contacts-table").display
        await pilot.press("n")
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        assert any("business" in n for n in notices(pilot))


async def test_add_contact_with_validation_message(svc: Services) -> None:
    """A bad e-mail is explained beside the field; the fixed contact is saved."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "n")
        await pilot.press(*"Dora")  # typed, as a clerk would
        fill(pilot, email="dora@@example")
        await save(pilot)
        assert "e-mail" in field_error(pilot, "email").lower()
        fill(pilot, email="dora@example.com")
        await save(pilot)
        assert [c.first_name for c in svc.contacts.list(cid)].count("Dora") == 1
        assert any(r[1] == "Dora" for r in rows(pilot, "#contacts-table"))


async def test_edit_contact_and_make_primary(svc: Services) -> None:
    """`e` edits the selected contact; `p` makes it the primary one."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "e")
        fill(pilot, title="Head buyer")
        await save(pilot)
        await pilot.press("p")
        await settle(pilot)
        table = rows(pilot, "#contacts-table")
        assert table[0][:3] == ["★", "Carl Diaz", "Head buyer"]


async def test_remove_contact_asks_first(svc: Services) -> None:
    """`x` removes a contact only after the confirmation."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "x")
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("n")
        assert len(svc.contacts.list(cid)) == 2
        await pilot.press("x", "y")
        await settle(pilot)
        assert [c.first_name for c in svc.contacts.list(cid)] == ["Bea"]


# --- subscriptions ----------------------------------------------------------------------------


async def test_subscriptions_show_cost_recovered(svc: Services) -> None:
    """Each subscription shows its amount, status and what it has paid back."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        row = rows(pilot, "#subs-table")[0]
        assert row[:5] == ["Fibre Broadband", "500 Mb", "£29.99", "active", "£29.99"]


async def test_add_subscription_with_validation_message(svc: Services) -> None:
    """A contract ending before it starts is refused beside the contract-end field."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        fill(pilot, product="Mobile Plan", monthly_amount="12.50", start_date="2026-01-10",
             contract_end="2025-12-31")  # fmt: skip
        await save(pilot)
        assert "cannot end" in field_error(pilot, "contract_end")
        fill(pilot, contract_end="2027-01-10")
        await save(pilot)
        assert [s.product for s in svc.billing.subscriptions(cid)] == ["Mobile Plan"]


async def test_edit_and_end_subscription(svc: Services) -> None:
    """`e` edits the selected subscription and `x` ends it after confirming."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        fill(pilot, asset_serial="SN-1234")
        await save(pilot)
        await pilot.press("x", "y")
        await settle(pilot)
        sub = svc.billing.subscriptions(cid)[0]
        assert sub.asset_serial == "SN-1234" and sub.status == "ended"
        assert rows(pilot, "#subs-table")[0][3] == "ended"


# --- payments ---------------------------------------------------------------------------------


async def test_payments_orders_and_cards_are_listed(svc: Services) -> None:
    """Payments with status and card, orders with items, and vaulted cards are shown."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        payments = rows(pilot, "#payments-table")
        assert [p[2] for p in payments] == ["failed", "paid"]
        assert payments[0][3] == "Visa •••• 4242" and payments[0][4] == "Fibre Broadband 500 Mb"
        orders = rows(pilot, "#orders-table")
        assert orders[0][3] == "£20.00" and orders[1][2] == "2 × Router"
        assert rows(pilot, "#methods-table")[0][:3] == ["Visa", "424242", "4242"]


async def test_payment_status_filter(svc: Services) -> None:
    """`f` cycles the payment status filter: all, paid, pending, failed, ..."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "f")
        await settle(pilot)
        assert [p[2] for p in rows(pilot, "#payments-table")] == ["paid"]
        await pilot.press("f", "f")
        await settle(pilot)
        assert [p[2] for p in rows(pilot, "#payments-table")] == ["failed"]


async def test_record_payment_with_validation_messages(svc: Services) -> None:
    """A bad amount, then a card number in the reference, are refused beside their fields."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "n")
        fill(pilot, amount="abc")
        await save(pilot)
        assert "not a number" in field_error(pilot, "amount")
        fill(pilot, amount="15.00", reference=f"card {CARD}")
        await save(pilot)
        assert "card number" in field_error(pilot, "reference")
        assert field_error(pilot, "amount") == ""
        fill(pilot, reference="INV-7")
        await save(pilot)
        assert len(svc.billing.payments(cid)) == 3
        assert any(r[5] == "INV-7" for r in rows(pilot, "#payments-table"))


async def test_full_card_number_refused_when_adding_a_card(svc: Services) -> None:
    """A full card number typed into the card form is refused next to that field."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "c")
        fill(pilot, brand="Visa", bin="424242", last4="4242", exp_month="1", exp_year="2031",
             holder_name=CARD)  # fmt: skip
        await save(pilot)
        assert "full card number" in field_error(pilot, "holder_name")
        fill(pilot, holder_name="Ines Sousa")
        await save(pilot)
        assert [m.last4 for m in svc.billing.payment_methods(cid)] == ["4242"]


async def test_mark_failed_payment_paid_then_refund(svc: Services) -> None:
    """`m` marks the failed payment paid and `r` refunds it, each after confirming."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("r")  # the failed one is selected: refused with a reason
        assert any("cannot be refunded" in n for n in notices(pilot))
        await pilot.press("m", "y")
        await settle(pilot)
        assert rows(pilot, "#payments-table")[0][2] == "paid"
        await pilot.press("r", "y")
        await settle(pilot)
        assert rows(pilot, "#payments-table")[0][2] == "refunded"


# --- notes ------------------------------------------------------------------------------------


async def test_notes_timeline_pinned_first_overdue_highlighted(svc: Services) -> None:
    """Notes run newest first with pinned on top; an overdue follow-up is flagged."""
    cid = business(svc)
    first = svc.notes.list(cid)[-1]
    assert first.id is not None
    svc.notes.toggle_pin(first.id)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = rows(pilot, "#notes-table")
        assert [r[3] for r in table] == ["Called about the router", "Send the quote"]
        assert table[0][0] == "⚑"
        assert table[1][4] == "2026-01-10 OVERDUE"
        cell = pilot.app.screen.query_one("#notes-table", FittedTable).get_row_at(1)[4]
        assert "bold" in str(cell.style)
        assert table[0][5] == "internal"


async def test_pin_and_unpin_with_p(svc: Services) -> None:
    """`p` pins the selected note to the top and unpins it again."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down", "p")
        await settle(pilot)
        table = rows(pilot, "#notes-table")
        assert table[0][:4] == ["⚑", table[0][1], "call", "Called about the router"]
        await pilot.press("p")
        await settle(pilot)
        assert not any(svc.notes.list(cid)[i].pinned for i in range(2))


async def test_add_note_validation_and_type_filter(svc: Services) -> None:
    """A note without a title is refused; a saved meeting shows under the type filter."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "n")
        fill(pilot, type="meeting", body="Met at the shop", visibility="customer")
        await save(pilot)
        assert "title" in field_error(pilot, "title")
        fill(pilot, title="Shop visit")
        await save(pilot)
        row = rows(pilot, "#notes-table")[0]
        assert row[2:4] == ["meeting", "Shop visit"] and row[5] == "customer"
        await pilot.press("f", "f")  # all -> note -> call
        await settle(pilot)
        assert rows(pilot, "#notes-table") == []


async def test_edit_note_body(svc: Services) -> None:
    """`e` edits the selected note; its text shows below the timeline."""
    cid = business(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("e")
        fill(pilot, body="Router arrives Friday.\nCall back Monday.")
        await save(pilot)
        assert "Call back Monday." in text_of(pilot.app.screen.query_one("#note-body", Static))


# --- history, status, read-only, leaving ------------------------------------------------------


async def test_history_newest_first(svc: Services) -> None:
    """History lists every change, the newest first, and names the card a payment used."""
    cid = business(svc)
    version = svc.customers.get(cid).version
    svc.customers.update(cid, CustomerUpdate(segment="Regular"), expected_version=version)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        table = rows(pilot, "#history-table")
        assert table[0][2] == "customer update" and table[-1][2] == "customer create"
        assert table[1][2].startswith("note #")
        assert table[0][1] == "tester"
        assert ["card Visa •••• 4242 create", "brand: Visa"] in [r[2:] for r in table]
        assert "card: Visa •••• 4242" in [r[3] for r in table if r[2].startswith("payment")]
        assert "segment: VIP → Regular" in [r[3] for r in table]  # a change reads old → new
        assert not any("payment method" in cell for r in table for cell in r)


async def test_block_with_reason_then_unblock(svc: Services) -> None:
    """`s` offers block; the reason is required and then stands out in the header."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert isinstance(pilot.app.screen, ChoiceModal)
        await pilot.press("down", "enter")
        assert isinstance(pilot.app.screen, PromptModal)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, PromptModal)  # a reason is required
        await pilot.press(*"fraud", "enter")
        await settle(pilot)
        assert svc.customers.get(cid).status_reason == "fraud"
        assert "BLOCKED: fraud" in text_of(pilot.app.screen.query_one("#header-banner", Static))
        await pilot.press("s", "enter", "y")
        await settle(pilot)
        assert svc.customers.get(cid).status == "active"
        assert not pilot.app.screen.query_one("#header-banner").display


async def test_deactivate_from_command_palette(svc: Services) -> None:
    """The command palette offers the status actions; each asks before acting."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Deactivate customer")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("y")
        await settle(pilot)
        assert svc.customers.get(cid).status == "inactive"
        assert "INACTIVE" in text_of(pilot.app.screen.query_one("#header-title", Static))


async def test_read_only_hides_writes_and_says_why(sqlite_settings: Settings) -> None:
    """Read-only: the write keys leave the footer and do nothing; the palette and header say why."""
    writer = open_services(sqlite_settings)
    cid = business(writer)
    writer.close()
    ro = open_services(
        Settings(database_url=sqlite_settings.database_url, clerk="tester", read_only=True)
    )
    try:
        async with DetailHarness(ro, cid).run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            shown = {b.binding.description for b in pilot.app.screen.active_bindings.values()}
            assert {"New", "Pin", "Status"}.isdisjoint(shown)
            assert "Filter" in shown  # reading keys stay
            for key in ("n", "p", "s"):
                await pilot.press(key)
                assert isinstance(pilot.app.screen, CustomerDetailScreen)
            assert pilot.app.screen.query_one(CrmFooter).badge == "read-only"
            assert rows(pilot, "#notes-table")  # reading still works
            screen = pilot.app.screen
            assert isinstance(screen, CustomerDetailScreen)
            screen.edit_customer()  # reached some other way, a write says why
            await pilot.pause()
            assert any("read-only" in n for n in notices(pilot))
    finally:
        ro.close()


async def test_escape_goes_back(svc: Services) -> None:
    """`escape` leaves the detail screen."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, CustomerDetailScreen)


async def test_escape_in_a_typed_form_asks_first(svc: Services) -> None:
    """Leaving a form with typed text asks before discarding it."""
    cid = individual(svc)
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "n")
        fill(pilot, title="half written")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("n")
        assert isinstance(pilot.app.screen, ItemFormModal)
        await pilot.press("escape", "y")
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        assert svc.notes.list(cid) == []


# --- concurrent edits -------------------------------------------------------------------------


async def _edit_overtaken(settings: Settings, svc: Services, choice: str) -> tuple[int, str]:
    """Open contacts, let another clerk retitle the first one, then save our own title."""
    cid = business(svc)
    contact_id = svc.contacts.list(cid)[0].id
    assert contact_id is not None
    other = open_services(settings)  # a second clerk on the same SQLite file
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        other.contacts.update(
            contact_id, ContactUpdate(title="Finance director"), expected_version=1
        )
        await pilot.press("e")
        fill(pilot, title="Chief financial officer")
        await save(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, ConflictModal)
        shown = rows(pilot, "#conflict-table")
        assert shown == [["title", "CFO", "Finance director", "Chief financial officer"]]
        await pilot.press(choice)
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        table_title = rows(pilot, "#contacts-table")[0][2]
    other.close()
    stored = svc.contacts.list(cid)[0].title
    assert stored == table_title
    return contact_id, stored or ""


async def test_conflict_reapply_saves_mine(sqlite_settings: Settings, svc: Services) -> None:
    """An edit overtaken by another clerk shows both values; `a` re-applies mine."""
    _, stored = await _edit_overtaken(sqlite_settings, svc, "a")
    assert stored == "Chief financial officer"


async def test_conflict_reload_keeps_theirs(sqlite_settings: Settings, svc: Services) -> None:
    """Choosing reload keeps the other clerk's value and shows it."""
    _, stored = await _edit_overtaken(sqlite_settings, svc, "r")
    assert stored == "Finance director"


# --- hostile text -----------------------------------------------------------------------------


async def test_hostile_text_shown_literally_on_every_tab(svc: Services) -> None:
    """Markup, click actions and escape sequences in stored text are shown as typed."""
    cid = business(svc, company=HOSTILE)
    svc.customers.set_tags(cid, [HOSTILE[:60]])
    svc.contacts.add(cid, ContactCreate(first_name=HOSTILE, title=HOSTILE))
    svc.notes.add(cid, NoteCreate(title=HOSTILE, body=HOSTILE))
    svc.addresses.add(cid, AddressCreate(line1=HOSTILE, city=HOSTILE))
    svc.billing.record_payment(cid, PaymentCreate(amount="1.00", reference=HOSTILE))
    svc.customers.block(cid, HOSTILE)
    shown = "[bold]x[/] [@click=app.quit]q[/] \\x1b[31mred"
    async with DetailHarness(svc, cid).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert shown in text_of(screen.query_one("#header-title", Static))
        assert shown in text_of(screen.query_one("#header-banner", Static))
        assert any(shown in r[1] for r in rows(pilot, "#address-table"))
        for key in "23456":
            await pilot.press(key)
            await settle(pilot)
        assert any(shown in r[1] for r in rows(pilot, "#contacts-table"))
        assert any(shown == r[5] for r in rows(pilot, "#payments-table"))
        assert rows(pilot, "#notes-table")[0][3] == shown
        assert any(r[3].endswith(f": {shown}") for r in rows(pilot, "#history-table"))
        await pilot.click("#history-table", offset=(40, 2))  # a live [@click] would quit
        await pilot.press("5")
        await settle(pilot)
        assert shown in text_of(pilot.app.screen.query_one("#note-body", Static))
        assert pilot.app.is_running


async def test_opened_from_the_app_and_back_to_the_list(demo_services: Services) -> None:
    """`crm --open` lands on the detail over the list; `escape` returns to the list."""
    from crm_tui.factory import make_app
    from crm_tui.ui.screens.customer_list import CustomerListScreen

    async with make_app(demo_services, open_customer_id=2).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerDetailScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CustomerListScreen)
