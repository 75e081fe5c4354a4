"""What callers hand the customer services: typed inputs, checked by the services' own rules.

Each field takes what a clerk typed (text) or the typed value (a date, a
number, a flag); the services clean and check it with the same rules as
always, so a refusal is still one sentence naming the field. Only the fields
a caller sets count: creates and updates both read
`model_dump(exclude_unset=True)`, so an update changes exactly what it names.
An unknown field name is a programming error and fails when the input is built.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from crm_tui.services.customers.rules import EDITABLE_FIELDS


class Input(BaseModel):
    """Base of every service input (billing's too): unknown field names fail at once."""

    model_config = ConfigDict(extra="forbid")

    def given(self) -> dict[str, object]:
        """The fields the caller set, by name."""
        return self.model_dump(exclude_unset=True)


class AddressFields(Input):
    """An address as typed; `add` fills kind (billing) and country (the local region)."""

    kind: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    is_default_billing: bool | None = None


class AddressCreate(AddressFields):
    """A new address: the first line and the city are required."""


class AddressUpdate(AddressFields):
    """Changed fields of an address."""


class ContactFields(Input):
    """A person at a business customer, as typed."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    department: str | None = None
    is_primary: bool | None = None


class ContactCreate(ContactFields):
    """A new contact: the first name is required."""


class ContactUpdate(ContactFields):
    """Changed fields of a contact."""


class NoteFields(Input):
    """A timeline entry as typed; `add` fills type (note) and visibility (internal)."""

    type: str | None = None
    title: str | None = None
    body: str | None = None
    follow_up_on: date | str | None = None
    done: bool | None = None
    pinned: bool | None = None
    visibility: str | None = None
    duration_minutes: int | str | None = None  # calls and meetings: "25", "1h30", "1:30"
    outcome: str | None = None  # calls and meetings: see services.customers.activities


class NoteCreate(NoteFields):
    """A new note: the title is required."""


class NoteUpdate(NoteFields):
    """Changed fields of a note."""


class PointFields(Input):
    """An e-mail, phone or web address (kind email | phone | web) as typed, with its label."""

    kind: str | None = None
    value: str | None = None
    label: str | None = None
    is_primary: bool | None = None


class PointCreate(PointFields):
    """A new way to reach the customer: kind and value required, label "other" if none.

    One the customer has already (the same kind and value) is not added twice:
    its label and primary flag are set instead.
    """


class PointUpdate(Input):
    """A stored point's new label, or a tick that makes it the primary of its kind."""

    label: str | None = None
    is_primary: bool | None = None


class PointEdit(Input):
    """Changes to one stored e-mail, phone or web address."""

    id: int
    changes: PointUpdate


class CustomerFields(Input):
    """A customer's own fields, as typed."""

    kind: str | None = None
    status: str | None = None
    status_reason: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | str | None = None
    registration_number: str | None = None
    vat_id: str | None = None
    business_type: str | None = None
    industry: str | None = None
    website: str | None = None
    payment_terms: str | None = None
    billing_group_id: int | str | None = None
    segment: str | None = None
    loyalty_points: int | str | None = None
    language: str | None = None
    currency: str | None = None
    contact_channels: str | list[str] | None = None
    owner: str | None = None

    def own_fields(self) -> dict[str, object]:
        """The customer's own fields the caller set (no tags, no children)."""
        return self.model_dump(exclude_unset=True, include=set(EDITABLE_FIELDS))


class CustomerCreate(CustomerFields):
    """A new customer with what it starts with, all saved in one transaction."""

    tags: list[str] = Field(default_factory=list)
    addresses: list[AddressCreate] = Field(default_factory=list)
    contacts: list[ContactCreate] = Field(default_factory=list)
    notes: list[NoteCreate] = Field(default_factory=list)
    points: list[PointCreate] = Field(default_factory=list)  # beside e-mail, phone, website


class AddressEdit(Input):
    """Changes to one stored address, against the version the edit began from."""

    id: int
    version: int | None = None  # None: no conflict check
    changes: AddressUpdate


class ContactEdit(Input):
    """Changes to one stored contact, against the version the edit began from."""

    id: int
    version: int | None = None  # None: no conflict check
    changes: ContactUpdate


class CustomerUpdate(CustomerFields):
    """Changed fields of a customer, and optionally of its children, saved in one transaction.

    `tags` replaces the tag list when given. Child edits and removals run
    first, then the new addresses, contacts and notes, as the wizard shows them.
    E-mails, phones and web addresses follow the customer's own e-mail, phone
    and website (a changed one becomes the primary, the old one stays beside it),
    then their removals, edits and new ones apply.
    """

    tags: list[str] | None = None
    address_edits: list[AddressEdit] = Field(default_factory=list)
    removed_addresses: list[int] = Field(default_factory=list)
    new_addresses: list[AddressCreate] = Field(default_factory=list)
    contact_edits: list[ContactEdit] = Field(default_factory=list)
    removed_contacts: list[int] = Field(default_factory=list)
    new_contacts: list[ContactCreate] = Field(default_factory=list)
    new_notes: list[NoteCreate] = Field(default_factory=list)
    point_edits: list[PointEdit] = Field(default_factory=list)
    removed_points: list[int] = Field(default_factory=list)  # one already gone is no error
    new_points: list[PointCreate] = Field(default_factory=list)
