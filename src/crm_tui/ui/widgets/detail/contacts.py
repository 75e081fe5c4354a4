"""Contacts tab: the people at a business customer, primary first."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from crm_tui.services.customers.contacts import ContactRead, contact_name
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.phones import format_phone
from crm_tui.text import literal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.widgets.detail.base import DetailTab
from crm_tui.ui.widgets.detail.forms import contact_form
from crm_tui.ui.widgets.fitted_table import Column, FittedTable, Row, plain_cell
from crm_tui.ui.widgets.tables import selected_id
from crm_tui.wording import counted


@dataclass(frozen=True)
class ContactsData:
    """The customer (to know its kind) and its contacts, None for an individual."""

    customer: CustomerRead
    contacts: list[ContactRead] | None


# Phones are never cut; names, titles, departments and e-mails narrow with "…".
COLUMNS = [
    Column("", min_width=1), Column("Name", flex=True, min_width=10),
    Column("Title", flex=True), Column("Department", flex=True, min_width=6),
    Column("E-mail", flex=True, min_width=12), Column("Phone"),
]  # fmt: skip


class ContactsTab(DetailTab[ContactsData]):
    """People with title, department, e-mail and phone; exactly one primary."""

    KIND = "contact"

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(customer_id, id=id)
        self.contacts: dict[int, ContactRead] = {}

    def forget(self) -> None:
        self.contacts = {}
        self.not_applicable: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="contacts-note", classes="tab-note")
        yield FittedTable(COLUMNS, id="contacts-table", zebra_stripes=True)

    def fetch(self) -> ContactsData:
        customer = self.services.customers.get(self.customer_id)
        if customer.kind != "business":
            return ContactsData(customer, None)
        return ContactsData(customer, self.services.contacts.list(self.customer_id))

    def show(self, data: ContactsData) -> None:
        note = self.query_one("#contacts-note", Static)
        table = self.query_one("#contacts-table", FittedTable)
        if data.contacts is None:
            self.not_applicable = (
                f"Contacts are the people at a business; {literal(data.customer.display_name)} "
                "is an individual customer, so this tab does not apply."
            )
            note.update(Text(self.not_applicable))
            table.display = False
            return
        self.not_applicable = None
        rows: list[Row] = []
        self.contacts = {c.id: c for c in data.contacts if c.id is not None}
        accent = f"bold {self.accent_style()}"
        for c in data.contacts:
            rows.append((str(c.id), [
                plain_cell("★" if c.is_primary else "", accent),
                plain_cell(contact_name(c), "bold" if c.is_primary else ""),
                plain_cell(c.title),
                plain_cell(c.department),
                plain_cell(c.email),
                plain_cell(format_phone(c.phone)),
            ]))  # fmt: skip
        table.set_rows(rows)
        count = len(data.contacts)
        note.update(
            Text(
                f"{counted(count, 'contact')}; ★ primary"
                if count
                else "No contacts yet: n adds the first (it becomes the primary contact).",
                style="dim",
            )
        )
        table.display = True

    # --- keys -------------------------------------------------------------------

    def _selected(self) -> ContactRead | None:
        row_id = selected_id(self.query_one("#contacts-table", FittedTable))
        return self.contacts.get(row_id) if row_id is not None else None

    def _chosen(self) -> ContactRead | None:
        """The highlighted contact to act on; None (after saying why) when there is none."""
        if self._refuse_for_individual():
            return None
        contact = self._selected()
        if contact is None or contact.id is None:
            self.nothing_selected()
            return None
        return contact

    def _refuse_for_individual(self) -> bool:
        if self.not_applicable:
            self.notify(self.not_applicable, markup=False, severity="warning")
            return True
        return False

    def add_item(self) -> None:
        if self._refuse_for_individual():
            return
        self.app.push_screen(
            contact_form(self.services, self.customer_id, None), callback=self.form_closed
        )

    def edit_item(self) -> None:
        if self._refuse_for_individual():
            return
        contact = self._selected()
        if contact is None:
            self.nothing_selected()
            return
        self.app.push_screen(
            contact_form(self.services, self.customer_id, contact), callback=self.form_closed
        )

    @on(FittedTable.RowSelected, "#contacts-table")
    def _selected_row(self, event: FittedTable.RowSelected) -> None:
        event.stop()
        if not self.crm.refuse_if_read_only():
            self.edit_item()

    def make_primary(self) -> None:
        contact = self._chosen()
        if contact is None or contact.id is None:
            return
        if contact.is_primary:
            self.notify(f"{contact_name(contact)} is already the primary contact.", markup=False)
            return
        contact_id = contact.id
        self.run_write(
            lambda: self.services.contacts.set_primary(contact_id),
            f"{contact_name(contact)} is now the primary contact.",
        )

    def remove_item(self) -> None:
        contact = self._chosen()
        if contact is None or contact.id is None:
            return
        contact_id = contact.id
        name = contact_name(contact)
        extra = " The next contact becomes primary." if contact.is_primary else ""

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(
                    lambda: self.services.contacts.remove(contact_id), f"{name} removed."
                )

        self.app.push_screen(
            ConfirmationModal(
                Text(f"Remove the contact {literal(name)}?{extra}"), confirm="Remove", danger=True
            ),
            callback=answered,
        )
