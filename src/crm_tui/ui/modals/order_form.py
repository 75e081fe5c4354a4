"""Record an order with its items (`o` on the Payments tab): dismisses True once saved.

Items are typed one at a time in the item row (description, quantity, unit
price); `enter` there adds the item to the list, `delete` on the list takes
the highlighted one off again. `ctrl+s` saves the order with every item
(the item still in the row included), in one service call; the service's
refusals are shown beside the field they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from crm_tui.models.enums import OrderStatus
from crm_tui.services.billing.inputs import OrderCreate, OrderItemCreate
from crm_tui.services.billing.rules import clean_order_item
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.validation import CURRENCIES
from crm_tui.text import literal
from crm_tui.ui.base import CrmModal
from crm_tui.ui.modals.confirmation import leave_asking_first
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.detail.base import money

STATUSES = [OrderStatus.PAID, OrderStatus.PENDING, OrderStatus.SHIPPED]
ITEM_FIELDS = ("description", "quantity", "unit_price")


@dataclass(frozen=True)
class TypedItem:
    """An item checked by the service's rule, waiting to be saved with the order."""

    description: str
    quantity: int
    unit_price: Decimal


class OrderFormModal(CrmModal[bool]):
    """Date, status, currency and the items of a new order."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("delete", "drop_item", "Remove item", show=False),
    ]

    @dataclass
    class Refused(Message):
        """The service refused a value: `field` names it ("" for the order as a whole)."""

        field: str
        message: str

    class Saved(Message):
        """The order is stored."""

    def __init__(self, customer_id: int, *, currency: str, today: date) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.currency = currency if currency in CURRENCIES else "GBP"
        self.today = today
        self.items: list[TypedItem] = []
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id="order-dialog"):
            yield Static(Content("New order"), classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label(Content("Date"), classes="form-label")
                yield Input(self.today.isoformat(), id="order-date", compact=True)
            yield Static("", id="error-ordered_at", classes="field-error")
            with Horizontal(classes="form-row"):
                yield Label(Content("Status"), classes="form-label")
                yield Select(
                    [(Content(s.value), s.value) for s in STATUSES],
                    value=OrderStatus.PAID.value, allow_blank=False, id="order-status",
                    compact=True,
                )  # fmt: skip
                yield Label(Content(" Currency "), classes="order-currency-label")
                yield Select(
                    [(Content(c), c) for c in sorted(CURRENCIES)],
                    value=self.currency, allow_blank=False, id="order-currency", compact=True,
                )  # fmt: skip
            yield DataTable(id="order-items", cursor_type="row")
            yield Static("", id="order-total", classes="dialog-hint")
            with Horizontal(classes="form-row", id="order-item-row"):
                yield Input(placeholder="Item description", id="item-description", compact=True)
                yield Input("1", placeholder="Qty", id="item-quantity", compact=True)
                yield Input(placeholder="Unit price", id="item-unit_price", compact=True)
            yield Static("", id="error-items", classes="field-error")
            yield Static(
                Content("enter adds the item · del removes the highlighted one"),
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content("Save (ctrl+s)"), variant="primary", id="order-save", compact=True
                )
                yield Button(Content("Cancel (esc)"), id="order-cancel", compact=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#order-items", DataTable)
        table.add_column("Item", width=36)
        table.add_column("Qty", width=5)
        table.add_column("Price", width=11)
        table.add_column("Amount", width=12)
        self._show_items()
        self.query_one("#item-description", Input).focus()

    # --- items ------------------------------------------------------------------

    def _typed_row(self) -> dict[str, str]:
        return {name: self.query_one(f"#item-{name}", Input).value for name in ITEM_FIELDS}

    def _row_is_empty(self) -> bool:
        row = self._typed_row()
        return not row["description"].strip() and not row["unit_price"].strip()

    def _take_row(self) -> bool:
        """Check the typed item with the service's rule and add it; False when refused."""
        try:
            clean = clean_order_item(dict(self._typed_row()))
        except ValidationError as error:
            self.show_error(error.field, error.message)
            return False
        self.items.append(TypedItem(**clean))
        for name, value in (("description", ""), ("quantity", "1"), ("unit_price", "")):
            self.query_one(f"#item-{name}", Input).value = value
        self.clear_errors()
        self._show_items()
        return True

    @on(Input.Submitted, "#order-item-row Input")
    def add_item(self) -> None:
        if not self._row_is_empty() and self._take_row():
            self.query_one("#item-description", Input).focus()

    def action_drop_item(self) -> None:
        table: DataTable[Text] = self.query_one("#order-items", DataTable)
        if not table.has_focus or not self.items:
            return
        del self.items[min(table.cursor_row, len(self.items) - 1)]
        self._show_items()

    def _show_items(self) -> None:
        table: DataTable[Text] = self.query_one("#order-items", DataTable)
        table.clear()
        currency = self.selected_currency
        for item in self.items:
            table.add_row(
                Text(literal(item.description)),
                Text(str(item.quantity), justify="right"),
                Text(money(item.unit_price, currency), justify="right"),
                Text(money(item.unit_price * item.quantity, currency), justify="right"),
            )
        if not self.items:
            table.add_row(Text("no items yet", style="dim"), Text(""), Text(""), Text(""))
        total = sum((i.unit_price * i.quantity for i in self.items), Decimal("0.00"))
        count = len(self.items)
        self.query_one("#order-total", Static).update(
            Text(f"{count} item{'' if count == 1 else 's'} · total {money(total, currency)}")
        )

    @property
    def selected_currency(self) -> str:
        value = self.query_one("#order-currency", Select).value
        return str(value) if isinstance(value, str) else self.currency

    @on(Select.Changed, "#order-currency")
    def _currency_changed(self) -> None:
        self._show_items()

    # --- saving -----------------------------------------------------------------

    @on(Button.Pressed, "#order-save")
    def action_save(self) -> None:
        if self.saving:
            return
        if not self._row_is_empty() and not self._take_row():
            return
        status = self.query_one("#order-status", Select).value
        order = OrderCreate(
            items=[
                OrderItemCreate(
                    description=i.description, quantity=i.quantity, unit_price=i.unit_price
                )
                for i in self.items
            ],
            status=str(status),
            currency=self.selected_currency,
            ordered_at=self.query_one("#order-date", Input).value,
        )
        self.clear_errors()
        self.saving = True
        self._save(order)

    @work(thread=True, exclusive=True, exit_on_error=False, description="Save an order")
    def _save(self, order: OrderCreate) -> None:
        try:
            self.services.billing.add_order(self.customer_id, order)
        except ValidationError as error:
            self.post_message(self.Refused(error.field, error.message))
        except CrmError as error:
            self.post_message(self.Refused("", error.message))
        else:
            self.post_message(self.Saved())

    @on(Saved)
    def _saved(self) -> None:
        self.dismiss(True)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.show_error(event.field, event.message)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.saving = False

    def clear_errors(self) -> None:
        for error in self.query(".field-error"):
            error.remove_class("-shown")

    def show_error(self, field_name: str, message: str) -> None:
        """The date's refusal beside the date; every other one under the item row."""
        self.saving = False
        self.clear_errors()
        target = "#error-ordered_at" if field_name == "ordered_at" else "#error-items"
        error = self.query_one(target, Static)
        error.update(Content(message))
        error.add_class("-shown")
        focus = {"ordered_at": "#order-date", **{n: f"#item-{n}" for n in ITEM_FIELDS}}
        if field_name in focus:
            self.query_one(focus[field_name]).focus()

    # --- leaving ----------------------------------------------------------------

    @on(Button.Pressed, "#order-cancel")
    def action_cancel(self) -> None:
        leave_asking_first(
            self, False, typed=bool(self.items) or not self._row_is_empty(),
            question="Discard this order?",
        )  # fmt: skip
