"""Overview tab: contact and business details, figures, preferences and addresses."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from crm_tui.services.billing.figures import CustomerFigures
from crm_tui.services.customers.addresses import AddressRead
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.errors import NotFound
from crm_tui.services.phones import format_phone
from crm_tui.text import literal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.widgets.detail.base import (
    DetailTab,
    cell,
    day,
    money,
    pairs,
)
from crm_tui.ui.widgets.detail.forms import address_form
from crm_tui.ui.widgets.tables import restore_cursor, selected_id


@dataclass(frozen=True)
class OverviewData:
    """Everything the Overview tab (and the header) shows."""

    customer: CustomerRead
    figures: CustomerFigures
    addresses: list[AddressRead]
    billing_group: str | None = None
    custom_fields: tuple[tuple[str, str], ...] = ()  # (name, value) brought by imports
    points: tuple[
        tuple[str, str, str, bool, bool], ...
    ] = ()  # kind, value, label, primary, verified


POINT_NAMES = {"email": "E-mail", "phone": "Phone", "web": "Web"}


def other_points(
    points: tuple[tuple[str, str, str, bool, bool], ...], *, business: bool
) -> list[tuple[str, object]]:
    """The customer's other e-mails, phones and web addresses, labelled, after the primaries."""
    lines: list[tuple[str, object]] = []
    for kind, value, label, primary, verified in points:
        if primary and (kind != "web" or business):
            continue  # shown above as the customer's e-mail, phone and website
        shown = format_phone(value) if kind == "phone" else value
        note = "" if verified else " (unverified)"
        lines.append((f"{POINT_NAMES[kind]} ({label})", f"{shown}{note}"))
    return lines


def named(points: tuple[tuple[str, str, str, bool, bool], ...], kind: str, name: str) -> str:
    """'E-mail (work)': the primary's label beside its name, unless it is just "other"."""
    label = next((p[2] for p in points if p[0] == kind and p[3]), "other")
    return name if label == "other" else f"{name} ({label})"


class OverviewTab(DetailTab[OverviewData]):
    """Contact details, business details, figures, preferences, loyalty and addresses."""

    KIND = "address"

    @dataclass
    class CustomerLoaded(Message):
        """The customer was (re)read; the screen refreshes its header from it."""

        customer: CustomerRead

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.addresses: dict[int, AddressRead] = {}
        self.customer: CustomerRead | None = None
        self.awaiting_wizard = False

    def forget(self) -> None:
        self.addresses, self.customer, self.awaiting_wizard = {}, None, False
        self.query_one("#overview-scroll").scroll_home(animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="overview-scroll"):
            with Horizontal(classes="overview-row"):
                yield Static(Text("Loading…", style="dim"), id="ov-contact", classes="panel")
                yield Static("", id="ov-figures", classes="panel")
            with Horizontal(classes="overview-row"):
                yield Static("", id="ov-business", classes="panel")
                yield Static("", id="ov-prefs", classes="panel")
            yield Static("", id="ov-custom", classes="panel")
            yield DataTable(id="address-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for panel_id, title in (
            ("#ov-contact", "Contact"),
            ("#ov-figures", "Figures"),
            ("#ov-business", "Business"),
            ("#ov-prefs", "Preferences & loyalty"),
            ("#ov-custom", "More (custom fields)"),
        ):
            self.query_one(panel_id).border_title = title
        table: DataTable[Text] = self.query_one("#address-table", DataTable)
        table.border_title = "Addresses  (n add · enter edit · x remove)"
        table.add_columns("Kind", "Address", "Country")

    def fetch(self) -> OverviewData:
        customer = self.services.customers.get(self.customer_id)
        group = None
        if customer.billing_group_id is not None:
            try:
                group = self.services.billing_groups.get(customer.billing_group_id).name
            except NotFound:  # deleted meanwhile: show the id it still points at
                group = f"#{customer.billing_group_id}"
        return OverviewData(
            customer=customer,
            figures=self.services.figures.for_customer(self.customer_id),
            addresses=self.services.addresses.list(self.customer_id),
            billing_group=group,
            custom_fields=tuple(
                (f.name, f.value) for f in self.services.custom_fields.list(self.customer_id)
            ),
            points=tuple(
                (p.kind, p.value, p.label, p.is_primary, p.verified)
                for p in self.services.contact_points.list(self.customer_id)
            ),
        )

    def show(self, data: OverviewData) -> None:
        c = data.customer
        self.customer = c
        self.post_message(self.CustomerLoaded(c))
        person = " ".join(p for p in (c.first_name, c.last_name) if p)
        contact: list[tuple[str, object]] = [
            ("Name" if c.kind == "individual" else "Contact", person),
            (named(data.points, "email", "E-mail"), c.email),
            (named(data.points, "phone", "Phone"), format_phone(c.phone)),
        ]
        if c.kind == "individual":
            contact.append(("Born", day(c.date_of_birth)))
        else:
            contact.append((named(data.points, "web", "Website"), c.website))
        contact.extend(other_points(data.points, business=c.kind == "business"))
        self.query_one("#ov-contact", Static).update(pairs(contact))
        self._show_figures(data.figures)

        business = self.query_one("#ov-business", Static)
        business.display = c.kind == "business"
        business.update(
            pairs(
                [
                    ("Company", c.company_name),
                    ("Registration", c.registration_number),
                    ("VAT / tax id", c.vat_id),
                    ("Business type", c.business_type),
                    ("Industry", c.industry),
                    ("Payment terms", c.payment_terms),
                    ("Billing group", data.billing_group),
                ]
            )
        )
        channels = ", ".join(p for p in c.contact_channels.split(",") if p) or "none"
        self.query_one("#ov-prefs", Static).update(
            pairs(
                [
                    ("Language", c.language),
                    ("Currency", c.currency),
                    ("Opted in to", channels),
                    ("Loyalty", f"{c.loyalty_points:,} points"),
                ]
            )
        )
        custom = self.query_one("#ov-custom", Static)
        custom.display = bool(data.custom_fields)
        custom.update(pairs([(literal(name), value) for name, value in data.custom_fields]))
        self._show_addresses(data.addresses)

    def _show_figures(self, f: CustomerFigures) -> None:
        """Figures in the reporting currency, then what each other currency adds to them."""
        currency = f.currency
        self.query_one("#ov-figures", Static).update(
            pairs(
                [
                    ("Lifetime value", money(f.lifetime_value, currency)),
                    *_breakdown(f),
                    ("Outstanding", money(f.outstanding_balance, currency)),
                    ("Monthly income", money(f.active_monthly, currency)),
                    ("Avg sub value", money(f.average_subscription_value, currency)),
                    (
                        "Subscriptions",
                        f"{f.active_subscriptions} active, {f.ended_subscriptions} ended",
                    ),
                    ("Orders", f"{f.orders}  (avg {money(f.average_order_value, currency)})"),
                    ("Last purchase", day(f.last_purchase_at) or "never"),
                ]
            )
        )

    def _show_addresses(self, addresses: list[AddressRead]) -> None:
        table: DataTable[Text] = self.query_one("#address-table", DataTable)
        keep = selected_id(table)
        table.clear()
        self.addresses = {a.id: a for a in addresses if a.id is not None}
        accent = self.accent_style()
        for a in addresses:
            parts = (a.line1, a.line2, a.city, a.region, a.postal_code)
            line = ", ".join(literal(p) for p in parts if p)
            kind = cell(f"{a.kind} ★ default" if a.is_default_billing else a.kind)
            if a.is_default_billing:
                kind.stylize(f"bold {accent}")
            table.add_row(
                kind, Text(line, no_wrap=True, overflow="ellipsis"), cell(a.country), key=str(a.id)
            )
        if not addresses:
            table.add_row(Text("none yet", style="dim"), Text("n adds one", style="dim"), Text(""))
        restore_cursor(table, keep)

    def focus_main(self) -> None:
        self.query_one("#overview-scroll").focus()

    # --- keys -------------------------------------------------------------------

    def _selected(self) -> AddressRead | None:
        row_id = selected_id(self.query_one("#address-table", DataTable))
        return self.addresses.get(row_id) if row_id is not None else None

    def add_item(self) -> None:
        self.app.push_screen(
            address_form(self.services, self.customer_id, None), callback=self.form_closed
        )

    def edit_item(self) -> None:
        """`e` on the Overview edits the customer in the wizard."""
        self.awaiting_wizard = True
        try:
            self.crm.edit_customer(self.customer_id)
        except ModuleNotFoundError:  # the wizard lands in another change; say so, don't crash
            self.awaiting_wizard = False
            self.notify("The customer editor is not available in this build.", markup=False)

    @on(DataTable.RowSelected, "#address-table")
    def _edit_address(self, event: DataTable.RowSelected) -> None:
        event.stop()
        address = self._selected()
        if address is None or self.crm.refuse_if_read_only():
            return
        self.app.push_screen(
            address_form(self.services, self.customer_id, address), callback=self.form_closed
        )

    def remove_item(self) -> None:
        address = self._selected()
        if address is None or address.id is None:
            self.nothing_selected()
            return
        address_id = address.id
        summary = ", ".join(p for p in (address.line1, address.city, address.country) if p)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(
                    lambda: self.services.addresses.remove(address_id), "Address removed."
                )

        self.app.push_screen(
            ConfirmationModal(
                Text(f"Remove the address {literal(summary)}?"), confirm="Remove", danger=True
            ),
            callback=answered,
        )


def _breakdown(f: CustomerFigures) -> list[tuple[str, object]]:
    """' paid in EUR  €83.33 = £70.27' per currency, when any money came in another one."""
    if all(line.currency == f.currency for line in f.by_currency):
        return []
    rows: list[tuple[str, object]] = []
    for line in f.by_currency:
        if not line.paid:
            continue
        value = money(line.paid, line.currency)
        if line.currency != f.currency:
            value += f" = {money(line.paid_in_reporting, f.currency)}"
            if line.unpriced_payments:
                value += f" ({line.unpriced_payments} with no rate left out)"
        rows.append((f"paid in {line.currency}", value))
    return rows
