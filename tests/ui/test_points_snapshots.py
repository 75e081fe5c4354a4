"""Snapshots (80x24): the wizard's e-mails, phones and web addresses, and the Overview
listing a customer's several e-mails, phones and web addresses with their labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from textual.pilot import Pilot

from crm_tui.models import Customer
from crm_tui.services.customers.inputs import CustomerCreate, PointCreate
from crm_tui.services.registry import Services
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.widgets.wizard.children import ChildrenStep
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


def test_wizard_points(snap_compare: SnapCompare, svc: Services) -> None:
    """The e-mail and phone typed on Basic info as primaries, a second e-mail labelled
    home and a web address just added, the cursor in it."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, rounds=2, still=True)
        await pilot.press(*"Ana", "tab", *"Lima", "tab", *"ana@example.pt", "tab")
        await pilot.press(*"+351912345678", "ctrl+n")
        await settle(pilot, rounds=2)
        children = pilot.app.screen.query_one(ChildrenStep)
        children.query_one("#add-email").focus()
        await pilot.press("enter", *"ana@home.example", "tab", "enter", "up", "up", "enter")
        children.query_one("#add-web").focus()
        await pilot.press("enter", *"ana.example")
        await settle(pilot, rounds=2, still=True)

    app = ScreenApp(svc, lambda: CustomerWizardScreen(None))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_overview_lists_points(snap_compare: SnapCompare, svc: Services) -> None:
    """Every e-mail, phone and web address with its label; an unverified phone says so."""
    ana = svc.customers.create(CustomerCreate(
        first_name="Ana", last_name="Lima", email="ana@example.pt", phone="+351912345678",
        points=[PointCreate(kind="email", value="ana@example.pt", label="work"),
                PointCreate(kind="email", value="ana@home.example", label="home"),
                PointCreate(kind="phone", value="+44 20 7946 0958", label="work"),
                PointCreate(kind="phone", value="+49 1234 56788", label="other"),
                PointCreate(kind="web", value="ana.example", label="home")],
    ))  # fmt: skip
    svc.custom_fields.set(ana.id, "Job Title", "Buyer")
    with svc.ctx.write() as session:  # "Since" in the header: the same day every run
        session.execute(update(Customer).values(created_at=datetime(2026, 1, 15, tzinfo=UTC)))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, rounds=2, still=True)

    app = ScreenApp(svc, lambda: CustomerDetailScreen(ana.id))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
