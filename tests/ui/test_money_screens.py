"""Money on screen says its currency: the list's KPI bar and LTV column, the dashboard's
headline strip (its MRR is its own income panel's total), the detail's per-currency lines,
and payments with no rate flagged on the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import Services, open_services
from crm_tui.ui.screens.dashboard import DashboardScreen
from crm_tui.ui.widgets.dashboard.kpis import DashboardKpis
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from crm_tui.ui.widgets.list.kpi_bar import KpiBar
from tests.ui.conftest import ScreenApp, settle, settle_still

SnapCompare = Callable[..., bool]
AS_OF = date(2026, 1, 15)


async def test_list_kpis_and_ltv_column_say_the_reporting_currency(
    demo_services: Services,
) -> None:
    """'avg spent GBP …' and 'avg LTV GBP …' are the service's figures; the column is 'LTV GBP'."""
    kpis = demo_services.search.kpis("")
    async with make_app(demo_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = str(pilot.app.screen.query_one(KpiBar).render())
        assert f"avg spent GBP {kpis.average_spent:,.2f}" in bar
        assert f"avg LTV GBP {kpis.average_lifetime_value:,.2f}" in bar
        table = pilot.app.screen.query_one(CustomerTable)
        assert "LTV GBP" in "".join(s.text for s in table.render_line(0))


async def test_dashboard_mrr_is_its_panels_total_in_gbp(demo_services: Services) -> None:
    """The strip's MRR equals the income panel's GBP total (EUR and USD converted, not added)."""
    income = demo_services.dashboard.recurring_income(as_of=AS_OF)
    assert set(income.by_currency) == {"GBP", "EUR", "USD"}
    plain = sum(values[-1] for values in income.by_currency.values())
    assert income.reporting[-1] != plain  # the old header added EUR and USD as pounds
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        strip = str(pilot.app.screen.query_one(DashboardKpis).render())
        assert f"MRR GBP {income.reporting[-1]:,.2f}" in strip
        assert "No rate" not in strip


async def test_dashboard_flags_payments_with_no_rate(svc: Services) -> None:
    """A CHF payment with no CHF rate is named in the strip, never counted as pounds."""
    cid = svc.customers.create(CustomerCreate(first_name="Ueli", last_name="Graf")).id
    svc.billing.record_payment(cid, PaymentCreate(amount="40.00", currency="CHF"))
    app = ScreenApp(svc, lambda: DashboardScreen(as_of=date.today()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "No rate: 1 in CHF" in str(pilot.app.screen.query_one(DashboardKpis).render())
    svc.rates.set(RateInput("CHF", "0.9", date.today()))
    again = ScreenApp(svc, lambda: DashboardScreen(as_of=date.today()))
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "No rate" not in str(pilot.app.screen.query_one(DashboardKpis).render())


async def test_detail_shows_each_currency_beside_the_reporting_figure(svc: Services) -> None:
    """The Overview's figures: LTV in GBP, then the EUR paid and what it is worth in GBP."""
    svc.rates.set(RateInput("EUR", "0.85", "2026-01-01"))
    cid = svc.customers.create(CustomerCreate(first_name="Ana", last_name="Reis")).id
    svc.billing.record_payment(cid, PaymentCreate(amount="100.00", currency="GBP"))
    svc.billing.record_payment(
        cid, PaymentCreate(amount="50.00", currency="EUR", paid_at="2026-01-10")
    )
    async with make_app(svc, open_customer_id=cid).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        figures = str(pilot.app.screen.query_one("#ov-figures").render())
        assert "Lifetime value £142.50" in figures
        assert "in EUR" in figures and "€50.00 = £42.50" in figures


def test_list_kpi_bar_in_euros(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The demo list reporting in EUR: the KPI bar and the LTV column say EUR."""
    url = demo_services.ctx.db.engine.url.render_as_string(hide_password=False)
    euro = open_services(
        Settings(database_url=url, clerk="tester", reporting_currency="EUR",
                 reporting_currency_explicit=True)
    )  # fmt: skip
    demo_rates_into_euro(euro)
    try:
        assert snap_compare(make_app(euro), terminal_size=(80, 24), run_before=settle_still)
    finally:
        euro.close()


def demo_rates_into_euro(services: Services) -> None:
    """GBP and USD rates into EUR covering every demo payment (2020 on)."""
    services.rates.set(RateInput("GBP", "1.17", "2019-01-01"))
    services.rates.set(RateInput("USD", "0.92", "2019-01-01"))
