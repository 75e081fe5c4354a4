"""Recording a payment that stays credit for want of a rate says which rate, in the app."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.modals.item_form import ItemFormModal
from crm_tui.ui.widgets.detail.forms import payment_form
from tests.ui.test_type_ahead import settle


async def test_payment_without_a_rate_says_which_rate(svc: Services) -> None:
    """A CHF payment beside an open EUR invoice, no CHF rate: the form closes (the payment
    is recorded, as credit) and the app shows the service's sentence naming the rate."""
    customer = svc.customers.create(CustomerCreate(first_name="Ines", email="ines@example.com"))
    draft = svc.invoices.create_draft(customer.id, [LineInput("Box", "40.00")], currency="EUR")
    svc.invoices.issue(draft.id, on=date(2026, 1, 6))
    app = CrmApp(svc, open_customer_id=customer.id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = payment_form(
            svc, customer.id, subscriptions=[], orders=[], methods=[], currency="CHF"
        )
        await app.push_screen(form)
        await settle(pilot)
        await pilot.press(*"25.00", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ItemFormModal)
        shown = [n.message for n in app._notifications]
        today = date.today().isoformat()
        assert any(
            m.startswith(f"No CHF or EUR rate into GBP on {today}, so CHF 25.00") for m in shown
        )
    [payment] = svc.billing.payments(customer.id)
    assert (payment.currency, payment.amount, payment.status) == ("CHF", Decimal("25.00"), "paid")
