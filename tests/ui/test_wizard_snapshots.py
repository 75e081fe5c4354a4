"""Snapshots (80x24) of each wizard step and of quick add warning of a duplicate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


@pytest.fixture
def svc(svc: Services) -> Services:
    """The empty database with Ana Lima on file (the duplicate the wizard warns of)."""
    svc.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana@example.pt", phone="+351 912 345 678"
        )  # fmt: skip
    )
    return svc


async def settle_wizard(pilot: Pilot[None]) -> None:
    await settle(pilot, rounds=2, still=True)


async def business_draft(pilot: Pilot[None]) -> None:
    """A business with a company, an address and a contact, on the Business step."""
    await settle_wizard(pilot)
    await pilot.press("shift+tab", "enter", "down", "enter", "tab")
    await pilot.press(*"Rita", "tab", *"Sousa", "tab", *"orders@acme.pt", "ctrl+n")
    await pilot.press(*"Acme [b]Lda[/b]", "tab", *"510000000", "tab", *"PT123", "tab")
    await settle_wizard(pilot)


def wizard(svc: Services) -> ScreenApp:
    return ScreenApp(svc, lambda: CustomerWizardScreen(None))


def test_basic_step_with_error(snap_compare: SnapCompare, svc: Services) -> None:
    """Basic info: typed fields, a formatted phone and a refused e-mail with its message."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_wizard(pilot)
        await pilot.press(*"Ana", "tab", *"Lima", "tab", *"ana@", "tab", *"+351912345678", "tab")
        await settle_wizard(pilot)

    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=run_before)


def test_business_step(snap_compare: SnapCompare, svc: Services) -> None:
    """Business: shown for a business, with the VAT format check beside its field."""
    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=business_draft)


def test_addresses_and_contacts_step(snap_compare: SnapCompare, svc: Services) -> None:
    """Addresses and contacts: one address filled in and a contact for the business."""

    async def run_before(pilot: Pilot[None]) -> None:
        await business_draft(pilot)
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", "ctrl+n")
        await settle_wizard(pilot)
        await pilot.press(*"1 Rua Augusta", "tab", "tab", *"Lisboa", "tab", *"1100-048")
        children = pilot.app.screen.query_one(ChildrenStep)
        contact = await children.add_form("contact")
        contact.field("first_name").value = "Rui"
        contact.field("last_name").value = "Costa"
        contact.field("email").value = "rui@acme.pt"
        await settle_wizard(pilot)

    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=run_before)


def test_preferences_step(snap_compare: SnapCompare, svc: Services) -> None:
    """Preferences: language and currency (completed) and the contact channels."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_wizard(pilot)
        await pilot.press(*"Ana", "ctrl+n", "ctrl+n", *"pt", "tab", *"E")
        await settle_wizard(pilot)

    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=run_before)


def test_loyalty_step(snap_compare: SnapCompare, svc: Services) -> None:
    """Loyalty and notes: segment, tags, points and a first note."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_wizard(pilot)
        await pilot.press(*"Ana", "ctrl+n", "ctrl+n", "ctrl+n")
        await pilot.press(*"VIP", "tab", *"vip, newsletter", "tab", *"120", "tab", "tab")
        await pilot.press(*"Walk-in")
        await settle_wizard(pilot)

    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=run_before)


def test_review_step(snap_compare: SnapCompare, svc: Services) -> None:
    """Review: everything on one page with a button back to each step."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_wizard(pilot)
        await pilot.press(*"Ana", "tab", *"Lima", "tab", *"ana.lima@example.pt", "tab")
        await pilot.press(*"+351912345678", "ctrl+n", *"1 Rua Augusta", "tab", "tab")
        await pilot.press(*"Lisboa", "ctrl+n", "ctrl+n", "ctrl+n")
        await settle_wizard(pilot)

    assert snap_compare(wizard(svc), terminal_size=SIZE, run_before=run_before)


def test_quick_add_duplicate_warning(snap_compare: SnapCompare, svc: Services) -> None:
    """Quick add listing a likely duplicate (same phone, other format) with the choices."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_wizard(pilot)
        await pilot.press(*"Anna Lima", "tab", *"00351 912 345 678", "tab", *"anna@x.pt")
        await pilot.press("ctrl+s")
        await settle_wizard(pilot)

    app = ScreenApp(svc, QuickAddModal)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
