"""Payments & orders tab: payments with a status filter, orders with items, vaulted cards."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from crm_tui.services.billing.cards import is_expired
from crm_tui.services.billing.reads import (
    OrderRead,
    PaymentMethodRead,
    PaymentRead,
    SubscriptionRead,
)
from crm_tui.services.history_names import card_label
from crm_tui.text import literal
from crm_tui.ui.clock import today
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.order_form import OrderFormModal
from crm_tui.ui.widgets.detail.base import (
    DetailTab,
    day,
    money,
)
from crm_tui.ui.widgets.detail.forms import method_form, payment_form
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row, plain_cell
from crm_tui.ui.widgets.tables import selected_id
from crm_tui.wording import counted

FILTERS = ["", "paid", "pending", "failed", "refunded"]
STATUS_STYLES = {"paid": "green", "pending": "yellow", "failed": "bold red", "refunded": "magenta"}


@dataclass(frozen=True)
class PaymentsData:
    """Payments (filtered), orders with items, cards, and subscriptions to name links."""

    payments: list[PaymentRead]
    orders: list[OrderRead]
    methods: list[PaymentMethodRead]
    subscriptions: list[SubscriptionRead]
    currency: str


def expired(card: PaymentMethodRead) -> bool:
    return is_expired(card.exp_month, card.exp_year, today())


def card_state(card: PaymentMethodRead) -> str:
    """ "default", "expired", both, or nothing."""
    return " · ".join(
        word for word, yes in (("default", card.is_default), ("expired", expired(card))) if yes
    )


# Dates, amounts, statuses and cards are never cut; what a payment was for and its
# reference narrow (with "…") to fit 80 columns.
PAYMENT_COLUMNS = [
    Column("Date"), Column("Amount"), Column("Status"), Column("Card"),
    Column("For", flex=True), Column("Reference", flex=True),
]  # fmt: skip
ORDER_COLUMNS = [
    Column("Order"), Column("Status"), Column("Items", flex=True, min_width=12), Column("Total"),
    Column("Invoice", flex=True),
]  # fmt: skip
CARD_COLUMNS = [
    Column("Card"), Column("BIN"), Column("Last 4"), Column("Expires"),
    Column("Holder", flex=True), Column("State"),
]  # fmt: skip


class PaymentsTab(DetailTab[PaymentsData]):
    """Record a payment, mark a failed one paid, refund; orders and cards below."""

    KIND = "payment"

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.status_filter = ""
        self.data: PaymentsData | None = None
        self.payments: dict[int, PaymentRead] = {}
        self.methods: dict[int, PaymentMethodRead] = {}

    def forget(self) -> None:
        self.status_filter = ""
        self.data = None
        self.payments, self.methods = {}, {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="payments-note", classes="tab-note")
        with VerticalScroll(id="payments-scroll", can_focus=False):
            yield FittedTable(PAYMENT_COLUMNS, id="payments-table", zebra_stripes=True)
            yield Static(
                Text("Orders (o records one, b invoices the highlighted one)", style="bold"),
                classes="section-title",
            )
            yield FittedTable(ORDER_COLUMNS, id="orders-table")
            yield Static(
                Text("Cards on file (c adds, x removes)", style="bold"), classes="section-title"
            )
            yield FittedTable(CARD_COLUMNS, id="methods-table")

    def fetch(self) -> PaymentsData:
        billing = self.services.billing
        cid = self.customer_id
        return PaymentsData(
            payments=billing.payments(cid, status=self.status_filter or None),
            orders=billing.orders(cid),
            methods=billing.payment_methods(cid),
            subscriptions=billing.subscriptions(cid),
            currency=self.services.customers.get(cid).currency or "GBP",
        )

    def show(self, data: PaymentsData) -> None:
        self.data = data
        self.payments = {p.id: p for p in data.payments if p.id is not None}
        self.methods = {m.id: m for m in data.methods if m.id is not None}
        shown = self.status_filter or "all"
        self.query_one("#payments-note", Static).update(
            Text.assemble(
                (counted(len(data.payments), "payment"), "bold"),
                ("  ·  status: ", "dim"),
                (shown, "bold"),
                ("  (f changes)  ·  m mark paid  ·  r refund", "dim"),
            )
        )
        self._show_payments(data)
        self._show_orders(data.orders)
        self._show_methods(data.methods)

    def _show_payments(self, data: PaymentsData) -> None:
        rows: list[Row] = []
        subs = {s.id: " ".join(p for p in (s.product, s.variant) if p) for s in data.subscriptions}
        for p in data.payments:
            method = self.methods.get(p.payment_method_id or 0)
            if p.subscription_id is not None:
                linked = subs.get(p.subscription_id, f"subscription #{p.subscription_id}")
            elif p.order_id is not None:
                linked = f"order #{p.order_id}"
            else:
                linked = ""
            rows.append((str(p.id), [
                plain_cell(day(p.paid_at)),
                plain_cell(money(p.amount, p.currency), right=True),
                plain_cell(p.status, STATUS_STYLES.get(p.status, "")),
                plain_cell(card_label(method.brand, method.last4) if method else ""),
                plain_cell(linked),
                plain_cell(p.reference),
            ]))  # fmt: skip
        self.query_one("#payments-table", FittedTable).set_rows(rows)

    def _show_orders(self, orders: list[OrderRead]) -> None:
        rows: list[Row] = []
        for order in orders:
            items = order.items
            rows.append((f"o{order.id}", [
                plain_cell(f"#{order.id} {day(order.ordered_at)}", "bold"),
                plain_cell(order.status),
                plain_cell(counted(len(items), "item")),
                plain_cell(money(order.total, order.currency), "bold", right=True),
                plain_cell(order.invoice),
            ]))  # fmt: skip
            for item in items:
                rows.append((f"i{item.id}", [
                    plain_cell(""),
                    plain_cell(""),
                    plain_cell(f"{item.quantity} × {literal(item.description)}", "dim"),
                    plain_cell(
                        money(item.unit_price * item.quantity, order.currency), "dim", right=True
                    ),
                    plain_cell(""),
                ]))  # fmt: skip
        if not orders:
            rows.append(("none", [plain_cell("no orders", "dim"), *[plain_cell("")] * 4]))
        self.query_one("#orders-table", FittedTable).set_rows(rows)

    def _show_methods(self, methods: list[PaymentMethodRead]) -> None:
        rows: list[Row] = []
        for m in methods:
            rows.append((str(m.id), [
                plain_cell(m.brand),
                plain_cell(m.bin),
                plain_cell(m.last4),
                plain_cell(f"{m.exp_month:02d}/{m.exp_year}", "red" if expired(m) else ""),
                plain_cell(m.holder_name),
                plain_cell(card_state(m), "red" if expired(m) else ""),
            ]))  # fmt: skip
        if not methods:
            rows.append(("none", [plain_cell(t, "dim") for t in ("none", "", "", "", "", "")]))
        self.query_one("#methods-table", FittedTable).set_rows(rows)

    def focus_main(self) -> None:
        self.query_one("#payments-table", FittedTable).focus()

    # --- keys -------------------------------------------------------------------

    def _selected_payment(self) -> PaymentRead | None:
        row_id = selected_id(self.query_one("#payments-table", FittedTable))
        return self.payments.get(row_id) if row_id is not None else None

    def cycle_filter(self) -> None:
        index = FILTERS.index(self.status_filter)
        self.status_filter = FILTERS[(index + 1) % len(FILTERS)]
        self.load()

    def add_item(self) -> None:
        data = self.data
        form = payment_form(
            self.services,
            self.customer_id,
            subscriptions=data.subscriptions if data else [],
            orders=list(data.orders) if data else [],
            methods=data.methods if data else [],
            currency=data.currency if data else "GBP",
            today=today(),
        )
        self.app.push_screen(form, callback=self.form_closed)

    def new_order(self) -> None:
        """`o`: record an order with its items."""
        currency = self.data.currency if self.data else "GBP"
        form = OrderFormModal(self.customer_id, currency=currency, today=today())
        self.app.push_screen(form, callback=self.form_closed)

    def _highlighted_order(self) -> OrderRead | None:
        """The order on the highlighted row of the orders table (an item row counts too)."""
        key = self.query_one("#orders-table", FittedTable).cursor_key
        orders = self.data.orders if self.data else []
        if not orders or key is None:
            return None
        by_item = {f"i{i.id}": o for o in orders for i in o.items}
        by_order = {f"o{o.id}": o for o in orders}
        return by_order.get(key) or by_item.get(key)

    def invoice_order(self) -> None:
        """`b`: bill the highlighted order's items, issued at once or left as a draft."""
        order = self._highlighted_order()
        if order is None:
            self.notify("Highlight an order in the orders table first.", markup=False)
            return
        if order.invoice:
            self.notify(
                f"Order #{order.id} is on {order.invoice} already.", markup=False,
                severity="warning",
            )  # fmt: skip
            return
        order_id = order.id
        invoices = self.services.invoices
        rate = self.services.ctx.invoicing.tax_rate

        def chosen(choice: str | None) -> None:
            if choice == "issue":
                self.run_write(
                    lambda: invoices.invoice_order(order_id, tax_rate=rate, issue_on=today()),
                    f"Order #{order_id} invoiced; i shows the invoice.",
                )
            elif choice == "draft":
                self.run_write(
                    lambda: invoices.invoice_order(order_id, tax_rate=rate),
                    f"Draft invoice for order #{order_id} made; i shows it.",
                )

        what = f"Invoice order #{order_id} ({money(order.total, order.currency)} + tax at {rate.normalize():f}%)"
        self.app.push_screen(
            ChoiceModal(what, [("issue", "Issue the invoice now"), ("draft", "Make a draft")]),
            callback=chosen,
        )

    def add_card(self) -> None:
        self.app.push_screen(
            method_form(self.services, self.customer_id), callback=self.form_closed
        )

    def edit_item(self) -> None:
        self.notify(
            "Payments are not edited: m marks a failed or pending payment paid, r refunds a paid one.",
            markup=False,
        )

    def _status_change(self, allowed: set[str], verb: str, action: str, button: str) -> None:
        payment = self._selected_payment()
        if payment is None or payment.id is None:
            self.nothing_selected()
            return
        if payment.status not in allowed:
            self.notify(
                f"A {payment.status} payment cannot be {verb}.", markup=False, severity="warning"
            )
            return
        payment_id = payment.id
        billing = self.services.billing
        write = billing.mark_paid if action == "paid" else billing.refund

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(lambda: write(payment_id), f"Payment {verb}.")

        what = f"{money(payment.amount, payment.currency)} of {day(payment.paid_at)}"
        self.app.push_screen(
            ConfirmationModal(
                f"Mark the {payment.status} payment of {what} as {action}?",
                confirm=button,
            ),
            callback=answered,
        )

    def mark_paid(self) -> None:
        self._status_change({"failed", "pending"}, "marked paid", "paid", "Mark paid")

    def refund(self) -> None:
        self._status_change({"paid"}, "refunded", "refunded", "Refund")

    def _selected_card(self) -> PaymentMethodRead | None:
        """The card highlighted in the cards table, when that table has the focus."""
        table = self.query_one("#methods-table", FittedTable)
        row_id = selected_id(table) if table.has_focus else None
        return self.methods.get(row_id) if row_id is not None else None

    def make_default(self) -> None:
        """`p` on a card: make it the default (the service refuses an expired one)."""
        method = self._selected_card()
        if method is None:
            self.notify("Select a card in the cards table first (tab moves there).", markup=False)
            return
        if method.is_default:
            name = card_label(method.brand, method.last4)
            self.notify(f"{name} is the default card already.", markup=False)
            return
        method_id, name = method.id, card_label(method.brand, method.last4)
        self.run_write(
            lambda: self.services.billing.make_default_payment_method(method_id),
            f"{name} is the default card now.",
        )

    def remove_item(self) -> None:
        """`x` removes the selected card when the card table has focus; payments stay forever."""
        method = self._selected_card()
        if method is None or method.id is None:
            self.notify(
                "Payments are never deleted (r refunds one). To remove a card, select it first.",
                markup=False,
            )
            return
        method_id = method.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(
                    lambda: self.services.billing.remove_payment_method(method_id), "Card removed."
                )

        self.app.push_screen(
            ConfirmationModal(
                Text(f"Remove the card {literal(card_label(method.brand, method.last4))}?"),
                confirm="Remove",
                danger=True,
            ),
            callback=answered,
        )
