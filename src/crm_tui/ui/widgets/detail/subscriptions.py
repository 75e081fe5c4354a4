"""Subscriptions tab: contracts, their dates and how much each has paid back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.services.billing.reads import SubscriptionRead
from crm_tui.text import literal
from crm_tui.ui.clock import today
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.widgets.detail.base import (
    DetailTab,
    day,
    money,
)
from crm_tui.ui.widgets.detail.forms import subscription_form
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row, plain_cell
from crm_tui.ui.widgets.tables import selected_id
from crm_tui.wording import counted

STATUS_STYLES = {"active": "green", "paused": "yellow", "ended": "dim"}


@dataclass(frozen=True)
class SubscriptionsData:
    """Each subscription with the amount paid against it so far."""

    rows: list[tuple[SubscriptionRead, Decimal]]
    currency: str


# At 80 columns the asset serial, then the cost recovered, make room; dates are never cut.
COLUMNS = [
    Column("Product", flex=True, min_width=10), Column("Variant", flex=True, min_width=6),
    Column("Monthly"), Column("Status"), Column("Recovered", drop=3), Column("Start"),
    Column("Ends"), Column("Next due"), Column("Asset serial", flex=True, drop=4),
]  # fmt: skip


class SubscriptionsTab(DetailTab[SubscriptionsData]):
    """Product, variant, serial, amount, dates, status and cost recovered; add, edit, end."""

    KIND = "subscription"

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.subscriptions: dict[int, SubscriptionRead] = {}

    def forget(self) -> None:
        self.subscriptions = {}
        self.currency = "GBP"

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="subs-note", classes="tab-note")
        yield FittedTable(COLUMNS, id="subs-table", zebra_stripes=True)

    def fetch(self) -> SubscriptionsData:
        billing = self.services.billing
        subs = billing.subscriptions(self.customer_id)
        rows = [(s, billing.cost_recovered(s.id)) for s in subs if s.id is not None]
        currency = self.services.customers.get(self.customer_id).currency or "GBP"
        return SubscriptionsData(rows, currency)

    def show(self, data: SubscriptionsData) -> None:
        table = self.query_one("#subs-table", FittedTable)
        self.currency = data.currency
        self.subscriptions = {s.id: s for s, _ in data.rows if s.id is not None}
        rows: list[Row] = []
        for s, recovered in data.rows:
            rows.append((str(s.id), [
                plain_cell(s.product, "bold"),
                plain_cell(s.variant),
                plain_cell(money(s.monthly_amount, s.currency)),
                plain_cell(s.status, STATUS_STYLES.get(s.status, "")),
                plain_cell(money(recovered, s.currency)),
                plain_cell(day(s.start_date)),
                plain_cell(day(s.contract_end)),
                plain_cell(day(s.next_payment_date)),
                plain_cell(s.asset_serial),
            ]))  # fmt: skip
        table.set_rows(rows)
        active = sum(1 for s, _ in data.rows if s.status == "active")
        note = (
            f"{counted(len(data.rows), 'subscription')}, {active} active"
            if data.rows
            else "No subscriptions yet: n adds one."
        )
        self.query_one("#subs-note", Static).update(Text(note, style="dim"))

    # --- keys -------------------------------------------------------------------

    def _selected(self) -> SubscriptionRead | None:
        row_id = selected_id(self.query_one("#subs-table", FittedTable))
        return self.subscriptions.get(row_id) if row_id is not None else None

    def add_item(self) -> None:
        form = subscription_form(
            self.services, self.customer_id, None, currency=self.currency, today=today()
        )
        self.app.push_screen(form, callback=self.form_closed)

    def edit_item(self) -> None:
        sub = self._selected()
        if sub is None:
            self.nothing_selected()
            return
        form = subscription_form(self.services, self.customer_id, sub)
        self.app.push_screen(form, callback=self.form_closed)

    @on(FittedTable.RowSelected, "#subs-table")
    def _selected_row(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        if not self.crm.refuse_if_read_only():
            self.edit_item()

    def remove_item(self) -> None:
        """`x` ends the selected subscription today (after asking)."""
        sub = self._selected()
        if sub is None or sub.id is None:
            self.nothing_selected()
            return
        if sub.status == "ended":
            self.notify("This subscription has already ended.", markup=False)
            return
        sub_id = sub.id
        on = today()

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(
                    lambda: self.services.billing.end_subscription(sub_id, on),
                    "Subscription ended.",
                )

        label = " ".join(p for p in (sub.product, sub.variant) if p)
        self.app.push_screen(
            ConfirmationModal(
                Text(f"End {literal(label)} today ({on.isoformat()})? Payments stop being due."),
                confirm="End it",
                danger=True,
            ),
            callback=answered,
        )
