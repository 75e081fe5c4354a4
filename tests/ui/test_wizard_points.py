"""Pilot tests of the wizard's e-mails, phones and web addresses: add, label, remove, primary."""

from __future__ import annotations

from textual.widgets import Button, Input

from crm_tui.services.customers.inputs import CustomerCreate, PointCreate
from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.wizard.children import ChildForm, ChildrenStep
from tests.ui.conftest import ScreenApp, settle
from tests.ui.test_wizard import SIZE, field, type_in
from tests.ui.typeahead import type_ahead


def _points(svc: Services, customer_id: int) -> list[tuple[str, str, str, bool]]:
    return sorted(
        (p.kind, p.value, p.label, p.is_primary) for p in svc.contact_points.list(customer_id)
    )


def _children(app: ScreenApp) -> ChildrenStep:
    return app.top(CustomerWizardScreen).query_one(ChildrenStep)


def _form_of_focus(app: ScreenApp) -> ChildForm | None:
    focused = app.focused
    return (
        next((a for a in focused.ancestors if isinstance(a, ChildForm)), None) if focused else None
    )


async def test_new_customer_adds_and_labels_points(svc: Services) -> None:
    """The e-mail and phone typed on Basic info are the primaries; "+ Add e-mail" puts the
    cursor in the new e-mail, whose label is chosen with the keyboard; all are saved."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_in(pilot, "Ana", "tab", "Lima", "tab", "ana@example.pt", "tab")
        await type_in(pilot, "+351 912 345 678", "ctrl+n")
        await settle(pilot, rounds=2)
        children = _children(app)
        shown = [(f.kind, f.state().values["value"], f.state().values["is_primary"])
                 for f in children.forms("point")]  # fmt: skip
        assert shown == [("email", "ana@example.pt", True), ("phone", "+351 912 345 678", True)]
        assert _form_of_focus(app) is children.forms("address")[0]  # the address comes next
        children.query_one("#add-email").focus()
        await type_in(pilot, "enter", "ana@home.example", "tab", "enter", "up", "up", "enter")
        await settle(pilot)
        new = children.points("email")[1]
        assert new.state().values == {"kind": "email", "value": "ana@home.example",
                                      "label": "home", "is_primary": False}  # fmt: skip
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=3)
    saved = app.results[0]
    assert _points(svc, saved) == [
        ("email", "ana@example.pt", "other", True),
        ("email", "ana@home.example", "home", False),
        ("phone", "+351912345678", "other", True),
    ]


async def test_keys_typed_at_once_land_in_the_new_value(svc: Services) -> None:
    """Enter on "+ Add phone" and the number typed straight after, with no pause: the
    number is in the new phone's value, nowhere else."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_ahead(pilot, "Ana", "ctrl+n")
        await settle(pilot)
        _children(app).query_one("#add-phone").focus()
        await type_ahead(pilot, "enter", "020 7946 0958", "tab")  # one burst, as a terminal
        await settle(pilot, rounds=2)
        [phone] = _children(app).points("phone")
        assert phone.state().values["value"] == "020 7946 0958"  # read once an address says where
        assert phone.state().values["is_primary"] is True  # the first phone is the primary
        assert field(app, "phone").value == "020 7946 0958"  # and so the customer's phone


async def test_edit_relabels_moves_primary_and_removes(svc: Services) -> None:
    """Editing: a label changed, another e-mail ticked (the E-mail field follows), a phone
    removed; one save makes all three changes."""
    ana = svc.customers.create(CustomerCreate(
        first_name="Ana", email="ana@example.pt", phone="+351912345678",
        points=[PointCreate(kind="email", value="ana@home.example", label="home"),
                PointCreate(kind="phone", value="+44 20 7946 0958", label="work")],
    ))  # fmt: skip
    app = ScreenApp(svc, lambda: CustomerWizardScreen(ana.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=3)
        await type_in(pilot, "ctrl+n")
        await settle(pilot)
        children = _children(app)
        first, second = children.points("email")
        first.field("label").value = "work"
        second.field("is_primary").value = True
        await settle(pilot)
        assert first.field("is_primary").value is False
        assert field(app, "email").value == "ana@home.example"
        phone = next(f for f in children.points("phone") if f.field("is_primary").value)
        phone.query_one(".child-remove", Button).press()  # the primary: the other takes over
        await settle(pilot)
        assert field(app, "phone").value == "+44 20 7946 0958"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=3)
    assert app.results == [ana.id]
    saved = svc.customers.get(ana.id)
    assert (saved.email, saved.phone) == ("ana@home.example", "+442079460958")
    assert _points(svc, ana.id) == [
        ("email", "ana@example.pt", "work", False),
        ("email", "ana@home.example", "home", True),
        ("phone", "+442079460958", "work", True),
    ]


async def test_fixing_the_email_replaces_it(svc: Services) -> None:
    """A typo fixed in the E-mail field: the primary form follows, and the old address is
    gone after saving (not kept beside the new one)."""
    ana = svc.customers.create(CustomerCreate(first_name="Ana", email="ana@exmaple.pt"))
    app = ScreenApp(svc, lambda: CustomerWizardScreen(ana.id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=3)
        email = app.top(CustomerWizardScreen).query_one("#field-email", Input)
        email.focus()
        email.value = "ana@example.pt"
        await type_in(pilot, "ctrl+n")
        await settle(pilot, rounds=2)
        [primary] = _children(app).points("email")
        assert primary.state().values["value"] == "ana@example.pt"
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=3)
    assert _points(svc, ana.id) == [("email", "ana@example.pt", "other", True)]


async def test_a_bad_value_is_marked_on_its_form(svc: Services) -> None:
    """A phone that is no number gets the service's message under it; nothing is saved."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await pilot.press(*"Ana", "ctrl+n")
        await settle(pilot)
        _children(app).query_one("#add-phone").focus()
        await type_in(pilot, "enter", "+44 12", "tab")  # a country code: read at once
        await settle(pilot)
        [phone] = _children(app).points("phone")
        assert phone.field("value").has_class("-invalid") and phone.field("value").error
        await type_in(pilot, "ctrl+s")
        await settle(pilot, rounds=2)
        assert app.results == []
    assert svc.customers.count() == 0


async def test_a_burst_from_the_address_to_a_new_email(svc: Services) -> None:
    """The address typed, shift+tab back to "+ Add e-mail", enter and the e-mail, all in
    one burst: the e-mail lands in the new form, the address stays as typed."""
    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=2)
        await type_ahead(pilot, "Ana", "tab", "Lima", "tab", "ana@example.pt", "ctrl+n")
        await settle(pilot, rounds=2)
        back = ["shift+tab"] * 8  # city, line 2, line 1, default, kind, remove, web, phone
        await type_ahead(pilot, "1 Rua Augusta", "tab", "tab", "Lisboa", *back, "enter",
                         "ana@home.example", "tab")  # fmt: skip
        await settle(pilot, rounds=2)
        children = _children(app)
        assert [f.state().values["value"] for f in children.points("email")] == [
            "ana@example.pt",
            "ana@home.example",
        ]
        [address] = children.forms("address")
        assert (address.field("line1").value, address.field("city").value) == (
            "1 Rua Augusta",
            "Lisboa",
        )
