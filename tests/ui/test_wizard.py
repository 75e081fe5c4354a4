"""Pilot tests of the customer wizard: new individual and business, validation, edit, cancel."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
)
from crm_tui.services.registry import Services
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.conflict import ConflictModal
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from crm_tui.ui.widgets.wizard.fields import WizardField
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)


async def type_in(pilot: Pilot[None], *keys: str) -> None:
    """Type text and keys: strings longer than one character are typed letter by letter,
    except named keys such as tab."""
    named = {"tab", "shift+tab", "enter", "right", "down", "up", "space", "escape", "pagedown"}
    for key in keys:
        if key in named or key.startswith("ctrl+"):
            await pilot.press(key)
        else:
            await pilot.press(*key)
    await pilot.pause()


def field(app: ScreenApp, name: str) -> WizardField:
    return app.top(CustomerWizardScreen).field(name)


async def test_individual_run_skips_business_step(svc: Services) -> None:
    """A full run for an individual: no business step, everything entered is saved."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        assert [s.key for s in app.top(CustomerWizardScreen).steps()] == [
            "basic", "children", "preferences", "loyalty", "review",
        ]  # fmt: skip
        assert isinstance(app.focused, Input) and app.focused.id == "field-first_name"
        await type_in(pilot, "Ana", "tab", "Lima", "tab", "ana@example.pt", "tab")
        await type_in(pilot, "+351 912 345 678", "tab", "1990-04-02", "ctrl+n")
        assert app.top(CustomerWizardScreen).current == "children"
        await type_in(pilot, "1 Rua Augusta", "tab", "tab", "Lisboa", "tab", "1100-048")
        await type_in(pilot, "tab", "tab", "PT", "ctrl+n")
        assert app.top(CustomerWizardScreen).current == "preferences"
        await type_in(pilot, "pt", "tab", "E", "right", "tab", "space", "ctrl+n")
        await type_in(pilot, "VI", "right", "tab", "vip, newsletter", "tab", "120")
        await type_in(pilot, "tab", "tab", "Walk-in", "tab", "Met at the shop", "ctrl+n")
        await settle(pilot, rounds=2)
        assert app.top(CustomerWizardScreen).current == "review"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert len(app.results) == 1 and app.results[0] is not None
    saved = svc.customers.get(app.results[0])
    assert (saved.first_name, saved.last_name, saved.kind) == ("Ana", "Lima", "individual")
    assert saved.phone == "+351912345678"
    assert str(saved.date_of_birth) == "1990-04-02"
    assert (saved.language, saved.currency, saved.contact_channels) == ("pt", "EUR", "email")
    assert (saved.segment, saved.loyalty_points) == ("VIP", 120)
    assert set(saved.tags) == {"vip", "newsletter"}
    [address] = svc.addresses.list(saved.id)
    assert (address.line1, address.city, address.country) == ("1 Rua Augusta", "Lisboa", "PT")
    assert address.is_default_billing
    [note] = svc.notes.list(saved.id)
    assert (note.title, note.body, note.visibility) == ("Walk-in", "Met at the shop", "internal")


async def test_business_run_shows_business_step(svc: Services) -> None:
    """Choosing "business" adds the Business step and contacts; both are saved."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "shift+tab", "enter", "down", "enter")
        await settle(pilot, rounds=2)
        assert field(app, "kind").value == "business"
        assert [s.key for s in app.top(CustomerWizardScreen).steps()][:3] == [
            "basic",
            "business",
            "children",
        ]
        await type_in(pilot, "tab", "Rita", "tab", "Sousa", "tab", "orders@acme.pt", "ctrl+n")
        assert app.top(CustomerWizardScreen).current == "business"
        await type_in(pilot, "Acme Lda", "tab", "510000000", "tab", "PT 123 456 789", "tab")
        await type_in(pilot, "tab", "Ret", "right", "tab", "acme.pt", "ctrl+n")
        assert app.top(CustomerWizardScreen).current == "children"
        children = app.top(CustomerWizardScreen).query_one(ChildrenStep)
        assert children.query_one("#contacts-section").display
        await children.add_form("contact")
        contact = children.forms("contact")[0]
        contact.field("first_name").value = "Rui"
        contact.field("email").value = "rui@acme.pt"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results and app.results[0] is not None
    saved = svc.customers.get(app.results[0])
    assert (saved.kind, saved.company_name, saved.vat_id) == ("business", "Acme Lda", "PT123456789")
    assert (saved.industry, saved.website) == ("Retail", "https://acme.pt")
    [person] = svc.contacts.list(saved.id)
    assert (person.first_name, person.email, person.is_primary) == ("Rui", "rui@acme.pt", True)
    assert svc.addresses.list(saved.id) == []  # the untouched address form is ignored


async def test_validation_message_beside_field_blocks_save(svc: Services) -> None:
    """A bad e-mail gets the service's message under it as it is left, and ctrl+s refuses."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Ana", "tab", "tab", "ana-at-example", "tab")
        assert "not valid" in field(app, "email").error
        assert field(app, "email").has_class("-invalid")
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
        assert app.results == []
        assert app.focused is not None and app.focused.id == "field-email"
        await type_in(pilot, "ctrl+n")
        assert (
            app.top(CustomerWizardScreen).current == "basic"
        )  # a refused field also holds the step
        field(app, "email").value = "ana@example.com"
        await type_in(pilot, "tab")
        assert field(app, "email").error == ""
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results and app.results[0] is not None


async def test_phone_shown_formatted_on_leaving(svc: Services) -> None:
    """A phone with its country code is shown in international format once left; a
    national one is kept as typed until the address says which country it is in."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "tab", "tab", "tab", "00442079460958", "tab")
        assert field(app, "phone").value == "+44 20 7946 0958"
        field(app, "phone").value = "020 7946 0958"
        await type_in(pilot, "shift+tab", "tab")
        assert field(app, "phone").value == "020 7946 0958"
        assert field(app, "phone").warning is None


async def test_missing_name_is_refused_on_save(svc: Services) -> None:
    """Saving with no name shows the service's whole-record rule beside the first name."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "tab", "tab", "x@example.com", "ctrl+s")
        await settle(pilot, rounds=2)
        assert app.results == []
        assert "needs a first or last name" in field(app, "first_name").error
    assert svc.customers.count() == 0


async def test_edit_one_field_records_one_history_row(svc: Services) -> None:
    """Editing opens filled in and saves only the changed field: one history row."""
    created = svc.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", phone="+351912345678", currency="EUR", tags=["vip"]
        ),
    )
    svc.addresses.add(created.id, AddressCreate(line1="1 Rua", city="Lisboa", country="PT"))
    before = len(svc.history.for_customer(created.id))
    app = ScreenApp(svc, lambda: CustomerWizardScreen(created.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        assert field(app, "phone").value == "+351 912 345 678"
        assert field(app, "tags").value == "vip"
        assert not app.top(CustomerWizardScreen).dirty
        field(app, "last_name").value = "Lima Santos"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results == [created.id]
    rows = svc.history.for_customer(created.id)
    assert len(rows) == before + 1
    assert (rows[0].field, rows[0].new_value) == ("last_name", "Lima Santos")
    assert svc.customers.get(created.id).version == created.version + 1


async def test_edit_changes_and_removes_addresses(svc: Services) -> None:
    """Editing an address sends its changed field; "Remove" deletes the other on save."""
    created = svc.customers.create(CustomerCreate(first_name="Ana", last_name="Lima"))
    first = svc.addresses.add(created.id, AddressCreate(line1="1 Rua", city="Lisboa", country="PT"))
    svc.addresses.add(created.id, AddressCreate(kind="shipping", line1="2 Rua", city="Porto"))
    app = ScreenApp(svc, lambda: CustomerWizardScreen(created.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        children = app.top(CustomerWizardScreen).query_one(ChildrenStep)
        one, two = children.forms("address")
        assert one.field("city").value == "Lisboa" and two.field("kind").value == "shipping"
        one.field("city").value = "Sintra"
        two.toggle_removed()
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results == [created.id]
    [left] = svc.addresses.list(created.id)
    assert (left.id, left.city, left.version) == (first.id, "Sintra", 2)
    assert svc.customers.get(created.id).version == created.version  # customer untouched


async def test_edit_moves_the_primary_contact_to_a_new_one(svc: Services) -> None:
    """A new contact checked as primary becomes the primary; the old one is unchecked."""
    created = svc.customers.create(CustomerCreate(kind="business", company_name="Acme"))
    svc.contacts.add(created.id, ContactCreate(first_name="Rui"))
    app = ScreenApp(svc, lambda: CustomerWizardScreen(created.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        children = app.top(CustomerWizardScreen).query_one(ChildrenStep)
        new = await children.add_form("contact")
        new.field("first_name").value = "Eva"
        new.field("is_primary").value = True
        await pilot.pause()
        assert children.forms("contact")[0].field("is_primary").value is False
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results == [created.id]
    people = {c.first_name: c.is_primary for c in svc.contacts.list(created.id)}
    assert people == {"Rui": False, "Eva": True}


async def test_stale_edit_shows_conflict_and_reapplies(svc: Services) -> None:
    """Another clerk's save to the same field opens the conflict dialog; "a" re-applies."""
    created = svc.customers.create(CustomerCreate(first_name="Ana", last_name="Lima"))
    app = ScreenApp(svc, lambda: CustomerWizardScreen(created.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        svc.customers.update(created.id, CustomerUpdate(last_name="Costa"), expected_version=1)
        field(app, "last_name").value = "Santos"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
        assert isinstance(app.screen, ConflictModal)
        conflict = app.screen.error.conflicts[0]
        assert (conflict.field, conflict.then, conflict.now, conflict.yours) == (
            "last_name", "Lima", "Costa", "Santos",
        )  # fmt: skip
        await pilot.press("a")
        await settle(pilot, rounds=2)
    assert app.results == [created.id]
    assert svc.customers.get(created.id).last_name == "Santos"


async def test_address_refused_on_save_saves_nothing_and_marks_its_field(svc: Services) -> None:
    """A shipping address left ticked as default billing is refused when the customer is
    written: nothing is saved (no half-made customer) and the message sits beside the box."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Ana", "tab", "Lima", "tab", "ana@example.pt", "ctrl+n")
        [address] = app.top(CustomerWizardScreen).query_one(ChildrenStep).forms("address")
        address.field("kind").value = "shipping"
        address.field("line1").value = "Depot"
        address.field("city").value = "Porto"
        assert address.field("is_default_billing").value is True
        await type_in(pilot, "tab", "ctrl+s")
        await settle(pilot, rounds=2)
        assert (
            isinstance(app.screen, CustomerWizardScreen)
            and app.top(CustomerWizardScreen).current == "children"
        )
        message = "Only a billing address can be the default billing address."
        assert address.field("is_default_billing").error == message
        assert svc.customers.count() == 0
        address.field("is_default_billing").value = False
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert len(app.results) == 1 and app.results[0] is not None
    [saved] = svc.addresses.list(app.results[0])
    assert (saved.kind, saved.city, saved.is_default_billing) == ("shipping", "Porto", False)


async def test_edit_saves_fields_children_and_note_together(svc: Services) -> None:
    """An edit of a field, an address, a new contact and a note is one save: each is stored."""
    created = svc.customers.create(
        CustomerCreate(kind="business", company_name="Acme", addresses=[AddressCreate(
            line1="1 Rua", city="Lisboa", country="PT")], contacts=[ContactCreate(first_name="Rui")])
    )  # fmt: skip
    app = ScreenApp(svc, lambda: CustomerWizardScreen(created.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        field(app, "industry").value = "Retail"
        children = app.top(CustomerWizardScreen).query_one(ChildrenStep)
        children.forms("address")[0].field("city").value = "Sintra"
        new = await children.add_form("contact")
        new.field("first_name").value = "Eva"
        field(app, "note_title").value = "Moved office"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
    assert app.results == [created.id]
    saved = svc.customers.get(created.id)
    assert (saved.industry, saved.version) == ("Retail", created.version + 1)
    assert [a.city for a in svc.addresses.list(created.id)] == ["Sintra"]
    assert {c.first_name for c in svc.contacts.list(created.id)} == {"Rui", "Eva"}
    assert [n.title for n in svc.notes.list(created.id)] == ["Moved office"]


async def test_cancel_without_typing_leaves_at_once(svc: Services) -> None:
    """Escape on an untouched wizard closes it without asking."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_cancel_with_typing_asks_first(svc: Services) -> None:
    """Escape after typing asks; "n" keeps the wizard, "y" discards and saves nothing."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Ana", "escape")
        assert isinstance(app.screen, ConfirmationModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CustomerWizardScreen)
        assert field(app, "first_name").value == "Ana"
        await pilot.press("escape", "y")
        await pilot.pause()
    assert app.results == [None]
    assert svc.customers.count() == 0


async def test_review_jumps_back_to_a_step(svc: Services) -> None:
    """The review lists what was typed and its buttons go back to their step."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Ana [b]x[/b]", "pagedown", "pagedown", "pagedown", "pagedown")
        await settle(pilot, rounds=2)
        assert app.top(CustomerWizardScreen).current == "review"
        rows = app.top(CustomerWizardScreen).query(".review-rows").first()
        assert "Ana [b]x[/b]" in str(rows.render())  # shown literally, not as markup
        assert app.focused is not None and app.focused.id == "review-go-basic"
        await pilot.press("enter")
        await pilot.pause()
        assert app.top(CustomerWizardScreen).current == "basic"
        await pilot.press("pageup")
        assert app.top(CustomerWizardScreen).current == "basic"


async def test_new_customer_like_one_on_file_offers_it(svc: Services) -> None:
    """Saving a new customer with a phone on file offers the existing one; choosing opens it."""
    existing = svc.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", phone="+351912345678")
    )
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Anabela", "tab", "Lima", "tab", "tab", "00351 912 345 678", "ctrl+s")
        await settle(pilot, rounds=2)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")  # the first choice: open the existing customer
        await pilot.pause()
    assert app.results == [existing.id]
    assert svc.customers.count() == 1


async def test_q_does_not_quit_from_the_wizard(svc: Services) -> None:
    """The list's "q" (quit) is inert in the wizard, where it could lose typed work."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "shift+tab", "q")
        assert isinstance(app.screen, CustomerWizardScreen)
        await type_in(pilot, "tab", "q")
        assert field(app, "first_name").value == "q"
