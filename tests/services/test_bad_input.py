"""Bad input is refused with one clear sentence and leaves the database exactly as it was.

Every test runs on SQLite and PostgreSQL (the `services` fixture). A refusal is
checked three ways: the error type, a one-sentence message naming the field,
and a full dump of every table before and after, which must be identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressEdit,
    AddressUpdate,
    ContactCreate,
    ContactEdit,
    ContactUpdate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
    NoteUpdate,
)
from crm_tui.services.errors import (
    ChildRefused,
    ConflictError,
    DuplicateEmail,
    NotFound,
    ValidationError,
)
from crm_tui.services.registry import Services

Dump = dict[str, list[tuple[Any, ...]]]


def dump(services: Services) -> Dump:
    """Every row of every table, sorted by primary key."""
    out: Dump = {}
    with services.ctx.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


def assert_one_sentence(message: str) -> None:
    """One sentence: no line break, a final full stop, no full stop followed by a new sentence."""
    assert "\n" not in message, message
    assert message.endswith("."), message
    body = message[:-1].replace("e.g.", "eg")
    assert not re.search(r"[.!?]\s+[A-Z]", body), f"more than one sentence: {message!r}"


def assert_refused(
    services: Services,
    action: Callable[[], object],
    field: str,
    words: str,
    error: type[ValidationError] = ValidationError,
) -> ValidationError:
    """`action` raises `error` naming `field` (and `words` in its message); no row changes."""
    before = dump(services)
    with pytest.raises(error) as info:
        action()
    exc = info.value
    assert exc.field == field, (exc.field, exc.message)
    assert words.lower() in exc.message.lower(), exc.message
    assert_one_sentence(exc.message)
    assert dump(services) == before
    return exc


@dataclass(frozen=True)
class Seed:
    """Ids of the rows every test starts with."""

    person: int
    business: int
    contact: int
    subscription: int
    note: int


@pytest.fixture
def seed(services: Services) -> Seed:
    """An individual and a business with a contact, a subscription, a payment and a note."""
    person = services.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana.lima@example.pt", tags=["VIP"]
        ),
    )
    business = services.customers.create(
        CustomerCreate(kind="business", company_name="Lima Lda", email="office@lima.example")
    )
    contact = services.contacts.add(business.id, ContactCreate(first_name="Rui", last_name="Costa"))
    sub = services.billing.add_subscription(
        person.id,
        SubscriptionCreate(product="Router", monthly_amount="19.99", start_date="2024-01-01"),
    )
    services.billing.record_payment(
        person.id, PaymentCreate(amount="19.99", subscription_id=sub.id)
    )
    note = services.notes.add(person.id, NoteCreate(title="Welcome call", body="Went well."))
    services.addresses.add(person.id, AddressCreate(line1="1 High St", city="Leeds"))
    assert contact.id is not None and sub.id is not None and note.id is not None
    return Seed(person.id, business.id, contact.id, sub.id, note.id)


# --- e-mail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "ANA.LIMA@EXAMPLE.PT",
        "  ana.lima@example.pt  ",
        "\tAna.Lima@Example.Pt ",
        "ana.lima@example.PT",
    ],
)
def test_duplicate_email_differing_in_case_or_spaces_is_refused(
    services: Services, seed: Seed, variant: str
) -> None:
    """An e-mail equal to an existing one after trimming and casefolding is a duplicate."""
    exc = assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(first_name="Other", email=variant)),
        "email",
        "e-mail",
        DuplicateEmail,
    )
    assert isinstance(exc, DuplicateEmail) and exc.existing_id == seed.person
    assert_refused(
        services,
        lambda: services.customers.quick_add("Other Person", None, variant),
        "email",
        "e-mail",
        DuplicateEmail,
    )


@pytest.mark.parametrize("variant", ["ANA.LIMA@EXAMPLE.PT", "  ana.lima@example.pt  "])
def test_duplicate_email_on_edit_is_refused(services: Services, seed: Seed, variant: str) -> None:
    """Editing a customer's e-mail to another customer's (any case, spaces) is a duplicate."""
    business = services.customers.get(seed.business)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.business, CustomerUpdate(email=variant), expected_version=business.version
        ),
        "email",
        "e-mail",
        DuplicateEmail,
    )


@pytest.mark.parametrize(
    "email",
    [
        "ana@",
        "not-an-email",
        "a@b@c.com",
        "ana@exa mple.com",
        "@example.com",
        "ana..x@example.com",
        "ana@example",
    ],
)
def test_invalid_email_is_refused(services: Services, seed: Seed, email: str) -> None:
    """A malformed e-mail is refused on create and on edit, naming the e-mail field."""
    assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(first_name="Bo", email=email)),
        "email",
        "e-mail",
    )
    person = services.customers.get(seed.person)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.person, CustomerUpdate(email=email), expected_version=person.version
        ),
        "email",
        "e-mail",
    )


# --- phone -----------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["abc", "12", "+44 123", "+999 1234567", "0000", "phone me"])
def test_unparseable_phone_is_refused(services: Services, seed: Seed, phone: str) -> None:
    """A phone number that cannot be read as a valid number is refused everywhere it is typed."""
    assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(first_name="Bo", phone=phone)),
        "phone",
        "phone",
    )
    person = services.customers.get(seed.person)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.person, CustomerUpdate(phone=phone), expected_version=person.version
        ),
        "phone",
        "phone",
    )
    assert_refused(
        services,
        lambda: services.customers.quick_add("Bo Diddley", phone, None),
        "phone",
        "phone",
    )
    assert_refused(
        services,
        lambda: services.contacts.add(seed.business, ContactCreate(first_name="Eva", phone=phone)),
        "phone",
        "phone",
    )


# --- required fields per kind -------------------------------------------------------


@pytest.mark.parametrize("company", [None, "", "   "])
def test_business_without_company_name_is_refused(
    services: Services, seed: Seed, company: str | None
) -> None:
    """A business customer needs a company name, on create and on edit."""
    data: dict[str, Any] = {"kind": "business", "first_name": "Rui", "email": "rui@new.example"}
    if company is not None:
        data["company_name"] = company
    assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(**data)),
        "company_name",
        "company name",
    )
    business = services.customers.get(seed.business)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.business, CustomerUpdate(company_name=company), expected_version=business.version
        ),
        "company_name",
        "company name",
    )
    person = services.customers.get(seed.person)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.person, CustomerUpdate(kind="business"), expected_version=person.version
        ),
        "company_name",
        "company name",
    )


# --- amounts and dates ---------------------------------------------------------------


@pytest.mark.parametrize("amount", ["-5", "-0.01", "abc", "12.3.4", "NaN", "Infinity", "1O.00"])
def test_negative_or_non_numeric_amount_is_refused(
    services: Services, seed: Seed, amount: str
) -> None:
    """Payments, subscription prices and order lines refuse negative and non-numeric amounts."""
    assert_refused(
        services,
        lambda: services.billing.record_payment(seed.person, PaymentCreate(amount=amount)),
        "amount",
        "amount",
    )
    assert_refused(
        services,
        lambda: services.billing.add_subscription(
            seed.person,
            SubscriptionCreate(product="TV", monthly_amount=amount, start_date="2024-02-01"),
        ),
        "monthly_amount",
        "monthly amount",
    )
    assert_refused(
        services,
        lambda: services.billing.update_subscription(
            seed.subscription, SubscriptionUpdate(monthly_amount=amount)
        ),
        "monthly_amount",
        "monthly amount",
    )
    assert_refused(
        services,
        lambda: services.billing.add_order(
            seed.person,
            OrderCreate(items=[OrderItemCreate(description="Cable", unit_price=amount)]),
        ),
        "unit_price",
        "unit price",
    )


def test_amount_with_decimal_comma_is_not_read_a_hundred_times_larger(
    services: Services, seed: Seed
) -> None:
    """'12,50' (a decimal comma) is refused or read as 12.50, never silently as 1250.00."""
    try:
        payment = services.billing.record_payment(seed.person, PaymentCreate(amount="12,50"))
    except ValidationError:
        return
    assert payment.amount == Decimal("12.50")


def test_contract_ending_before_it_starts_is_refused(services: Services, seed: Seed) -> None:
    """A contract end before its start is refused on add, on edit and when ending it."""
    assert_refused(
        services,
        lambda: services.billing.add_subscription(
            seed.person,
            SubscriptionCreate(
                product="TV",
                monthly_amount="9.99",
                start_date="2024-05-01",
                contract_end="2024-04-30",
            ),
        ),
        "contract_end",
        "contract",
    )
    assert_refused(
        services,
        lambda: services.billing.update_subscription(
            seed.subscription, SubscriptionUpdate(contract_end="2023-12-31")
        ),
        "contract_end",
        "contract",
    )
    assert_refused(
        services,
        lambda: services.billing.update_subscription(
            seed.subscription,
            SubscriptionUpdate(start_date="2025-01-01", contract_end="2024-06-30"),
        ),
        "contract_end",
        "contract",
    )
    assert_refused(
        services,
        lambda: services.billing.end_subscription(seed.subscription, on=date(2023, 6, 1)),
        "contract_end",
        "contract",
    )


# --- contacts --------------------------------------------------------------------


def test_second_primary_contact_is_refused(services: Services, seed: Seed) -> None:
    """Adding a contact marked primary when one already is primary is refused."""
    assert_refused(
        services,
        lambda: services.contacts.add(
            seed.business, ContactCreate(first_name="Eva", last_name="Neves", is_primary=True)
        ),
        "is_primary",
        "primary contact",
    )
    primaries = [c for c in services.contacts.list(seed.business) if c.is_primary]
    assert [c.id for c in primaries] == [seed.contact]


def test_only_primary_contact_cannot_be_unmarked(services: Services, seed: Seed) -> None:
    """Unmarking the only primary contact is refused: one must always be primary."""
    assert_refused(
        services,
        lambda: services.contacts.update(seed.contact, ContactUpdate(is_primary=False)),
        "is_primary",
        "primary",
    )


# --- card numbers ----------------------------------------------------------------

CARD_TEXTS = [
    "Card 4111 1111 1111 1111 exp 12/27",  # Visa, spaces
    "card: 4111-1111-1111-1111",  # Visa, dashes
    "4111111111111111",  # Visa, plain
    "old visa 4222222222222 on file",  # Visa, 13 digits
    "MC 5555 5555 5555 4444",  # Mastercard
    "mc=5105105105105100;",  # Mastercard, plain
    "2223003122003222",  # Mastercard 2-series
    "Amex 3782 822463 10005",  # American Express, 4-6-5 grouping
    "amex 371449635398431",  # American Express, plain
    "discover 6011-1111-1111-1117",  # Discover
]


@pytest.mark.parametrize("text", CARD_TEXTS)
def test_card_number_in_note_is_refused(services: Services, seed: Seed, text: str) -> None:
    """A full card number (spaces, dashes or plain) in a note's body or title is refused."""
    assert_refused(
        services,
        lambda: services.notes.add(seed.person, NoteCreate(title="Call", body=text)),
        "body",
        "card number",
    )
    assert_refused(
        services,
        lambda: services.notes.add(seed.person, NoteCreate(title=text)),
        "title",
        "card number",
    )
    assert_refused(
        services,
        lambda: services.notes.update(seed.note, NoteUpdate(body=f"Update: {text}")),
        "body",
        "card number",
    )


ORDINARY_NUMBERS = [
    "Called +44 20 7946 0958 and 07946 000958",  # phone numbers
    "Order ORD-2024-000123456 shipped; ref 20240611-7781",  # order numbers, dates
    "Serial 1234567890123 (13 digits, fails Luhn)",
    "Visa-looking 4111 1111 1111 1112 but fails Luhn",
    "IBAN GB82 WEST 1234 5698 7654 32, sort code 12-34-56",
    "Invoice 2024000001 for 1,234.56 GBP; last four 1111",
]


@pytest.mark.parametrize("text", ORDINARY_NUMBERS)
def test_ordinary_numbers_in_note_are_accepted(services: Services, seed: Seed, text: str) -> None:
    """Phones, order numbers and non-Luhn digit runs in a note are stored as typed."""
    note = services.notes.add(seed.person, NoteCreate(title="Numbers", body=text))
    stored = [n for n in services.notes.list(seed.person) if n.id == note.id]
    assert [n.body for n in stored] == [text]


# --- stale update ----------------------------------------------------------------


def test_stale_update_of_same_field_is_refused_with_both_values(
    services: Services, seed: Seed
) -> None:
    """An edit based on an old version that changes a field someone else changed is refused."""
    opened = services.customers.get(seed.person)
    services.customers.update(
        seed.person, CustomerUpdate(first_name="Bea"), expected_version=opened.version
    )
    before = dump(services)
    with pytest.raises(ConflictError) as info:
        services.customers.update(
            seed.person, CustomerUpdate(first_name="Cid"), expected_version=opened.version
        )
    exc = info.value
    assert [(c.field, c.then, c.now, c.yours) for c in exc.conflicts] == [
        ("first_name", "Ana", "Bea", "Cid")
    ]
    assert re.search(r"first[_ ]name", exc.message), exc.message
    assert_one_sentence(exc.message)
    assert dump(services) == before
    assert services.customers.get(seed.person).first_name == "Bea"


def test_stale_update_of_a_note_is_refused(services: Services, seed: Seed) -> None:
    """Child rows use the same check: a stale edit of the same note field is refused."""
    note = services.notes.list(seed.person)[0]
    services.notes.update(seed.note, NoteUpdate(body="First clerk"), expected_version=note.version)
    before = dump(services)
    with pytest.raises(ConflictError) as info:
        services.notes.update(
            seed.note, NoteUpdate(body="Second clerk"), expected_version=note.version
        )
    assert [(c.field, c.then, c.now) for c in info.value.conflicts] == [
        ("body", "Went well.", "First clerk")
    ]
    assert dump(services) == before


# --- nothing half-written --------------------------------------------------------


def test_bad_tag_on_create_leaves_no_customer_behind(services: Services, seed: Seed) -> None:
    """A refusal late in a create (a bad tag) rolls back the customer row and its history."""
    assert_refused(
        services,
        lambda: services.customers.create(
            CustomerCreate(first_name="Half", email="half@example.com", tags=["ok", "bad\x00tag"])
        ),
        "tags",
        "NUL",
    )


# --- hostile text ----------------------------------------------------------------

HOSTILE = {
    "markup": "[bold]x[/]",
    "click-markup": "[@click=app.quit]quit[/]",
    "ansi": "\x1b[31mred\x1b[0m",
    "zwj-emoji": "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family",
    "rtl-override": "\u202eevil.exe\u202c",
    "combining": "Zoe\u0308 e\u0301 a\u0300\u0301\u0302",
    "control": "tab\there\rcr\x07bell",
    "long": ("Ωmega-Ünïcödé " * 800)[:10_000],
}


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_hostile_text_round_trips_byte_for_byte(services: Services, key: str) -> None:
    """Markup, escapes, emoji, RTL, combining marks and 10,000 chars come back unchanged."""
    text = HOSTILE[key]
    created = services.customers.create(
        CustomerCreate(first_name=text, last_name=text, email=f"{key}@example.com")
    )
    read = services.customers.get(created.id)
    assert read.first_name is not None and read.last_name is not None
    assert read.first_name.encode("utf-8") == text.encode("utf-8")
    assert read.last_name.encode("utf-8") == text.encode("utf-8")
    title = text if len(text) <= 300 else "long"
    note = services.notes.add(created.id, NoteCreate(title=title, body=text))
    (stored,) = [n for n in services.notes.list(created.id) if n.id == note.id]
    assert stored.body.encode("utf-8") == text.encode("utf-8")
    assert stored.title.encode("utf-8") == title.encode("utf-8")
    updated = services.customers.update(
        created.id, CustomerUpdate(last_name=text[::-1]), expected_version=read.version
    )
    assert services.customers.get(updated.id).last_name == text[::-1]


def test_text_over_the_limit_is_refused(services: Services, seed: Seed) -> None:
    """10,001 characters is one too many for a name or a note body."""
    text = "x" * 10_001
    assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(first_name=text)),
        "first_name",
        "first name",
    )
    assert_refused(
        services,
        lambda: services.notes.add(seed.person, NoteCreate(title="Long", body=text)),
        "body",
        "body",
    )


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "trailing\x00"])
def test_nul_is_refused(services: Services, seed: Seed, text: str) -> None:
    """A NUL character is refused in names, note titles and note bodies."""
    assert_refused(
        services,
        lambda: services.customers.create(CustomerCreate(first_name=text, last_name="Lima")),
        "first_name",
        "NUL",
    )
    person = services.customers.get(seed.person)
    assert_refused(
        services,
        lambda: services.customers.update(
            seed.person, CustomerUpdate(last_name=text), expected_version=person.version
        ),
        "last_name",
        "NUL",
    )
    assert_refused(
        services,
        lambda: services.notes.add(seed.person, NoteCreate(title="Nul", body=text)),
        "body",
        "NUL",
    )
    assert_refused(
        services,
        lambda: services.notes.add(seed.person, NoteCreate(title=f"T{text}")),
        "title",
        "NUL",
    )


# --- a customer saved with its children: all of it or nothing ----------------------

ADDRESS = AddressCreate(line1="1 Rua Nova", city="Lisboa", country="PT")
CONTACT = ContactCreate(first_name="Eva", email="eva@nova.example")
NOTE = NoteCreate(title="Met at the fair")


def new_business(**children: Any) -> CustomerCreate:
    """A new business with a tag, an address, a contact and a note, unless `children` says."""
    given: dict[str, Any] = {"tags": ["wholesale"], "addresses": [ADDRESS],
                             "contacts": [CONTACT], "notes": [NOTE], **children}  # fmt: skip
    return CustomerCreate(
        kind="business", company_name="Nova Lda", email="nova@example.pt", **given
    )


SHIPPING_AS_DEFAULT = AddressCreate(
    kind="shipping", line1="Depot", city="Porto", is_default_billing=True
)
REFUSED_CHILDREN = {
    # Refused by the checks before the transaction opens...
    "address without a city": (
        {"addresses": [ADDRESS, AddressCreate(line1="2 Rua")]}, "address", 1, "city", "required"
    ),
    "contact e-mail": (
        {"contacts": [ContactCreate(first_name="Rui", email="rui@@x")]}, "contact", 0, "email", "e-mail"
    ),
    "card number in a note": (
        {"notes": [NoteCreate(title="Card 4111 1111 1111 1111")]}, "note", 0, "title", "card number"
    ),
    # ...and while writing, after the customer, its tags and other children were flushed.
    "shipping address as default billing": (
        {"addresses": [ADDRESS, SHIPPING_AS_DEFAULT]}, "address", 1, "is_default_billing", "billing"
    ),
    "over-long tag": ({"tags": ["x" * 65]}, None, None, "tags", "limit"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("children", "entity", "index", "field", "words"),
    list(REFUSED_CHILDREN.values()),
    ids=list(REFUSED_CHILDREN),
)
def test_refused_child_leaves_nothing_of_a_new_customer(
    services: Services,
    children: dict[str, Any],
    entity: str | None,
    index: int | None,
    field: str,
    words: str,
) -> None:
    """A new customer with a refused address, contact, note or tag is not saved at all."""
    exc = assert_refused(services, lambda: services.customers.create(new_business(**children)),
                         field, words)  # fmt: skip
    assert services.customers.count() == 0
    if entity is not None:
        assert isinstance(exc, ChildRefused)
        assert (exc.entity, exc.index, exc.row_id) == (entity, index, None)


def test_contacts_of_an_individual_refuse_the_whole_customer(services: Services) -> None:
    """Contacts on an individual are refused after the customer row was written: none stays."""
    data = CustomerCreate(first_name="Ana", addresses=[ADDRESS], contacts=[CONTACT], tags=["x"])
    exc = assert_refused(services, lambda: services.customers.create(data), "customer", "business")
    assert isinstance(exc, ChildRefused) and (exc.entity, exc.index) == ("contact", 0)


def edit_of_stored_business(services: Services, **children: Any) -> tuple[int, CustomerUpdate]:
    """A stored business, and an edit of its name and tags with `children` changes."""
    created = services.customers.create(new_business())
    [address] = services.addresses.list(created.id)
    [contact] = services.contacts.list(created.id)
    made = {k: v(address, contact) if callable(v) else v for k, v in children.items()}
    edit = CustomerUpdate(company_name="Nova Two Lda", tags=["retail"], **made)
    return created.id, edit


EDIT_REFUSALS = {
    "contact e-mail": (
        {"contact_edits": lambda a, c: [ContactEdit(id=c.id, version=c.version,
                                                    changes=ContactUpdate(email="rui@@x"))]},
        "contact", "row", "email", "e-mail",
    ),
    "new address without a city": (
        {"new_addresses": [AddressCreate(line1="3 Rua")]}, "address", 0, "city", "required"
    ),
    "only primary contact unticked (while writing)": (
        {"contact_edits": lambda a, c: [ContactEdit(id=c.id, version=c.version,
                                                    changes=ContactUpdate(is_primary=False))]},
        "contact", "row", "is_primary", "one must always be",
    ),
    "shipping address as default (while writing)": (
        {"address_edits": lambda a, c: [AddressEdit(id=a.id, version=a.version,
                                                    changes=AddressUpdate(city="Sintra"))],
         "new_addresses": [SHIPPING_AS_DEFAULT], "new_notes": [NOTE]},
        "address", 0, "is_default_billing", "billing",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("children", "entity", "place", "field", "words"),
    list(EDIT_REFUSALS.values()),
    ids=list(EDIT_REFUSALS),
)
def test_refused_child_leaves_an_edited_customer_as_it_was(
    services: Services,
    children: dict[str, Any],
    entity: str,
    place: int | str,
    field: str,
    words: str,
) -> None:
    """An edit with a refused child change keeps the customer's fields, tags and children."""
    cid, edit = edit_of_stored_business(services, **children)
    exc = assert_refused(
        services,
        lambda: services.customers.update(cid, edit, expected_version=1),
        field,
        words,
    )
    assert isinstance(exc, ChildRefused) and exc.entity == entity
    if place == "row":
        assert exc.index is None and exc.row_id is not None
    else:
        assert (exc.index, exc.row_id) == (place, None)
    assert services.customers.get(cid).company_name == "Nova Lda"


def test_stale_or_foreign_child_edit_leaves_everything_as_it_was(services: Services) -> None:
    """A child edit overtaken by another clerk, or naming another customer's row, writes nothing."""
    cid, edit = edit_of_stored_business(
        services,
        contact_edits=lambda a, c: [
            ContactEdit(id=c.id, version=c.version, changes=ContactUpdate(title="Buyer"))
        ],
    )
    [contact] = services.contacts.list(cid)
    services.contacts.update(contact.id, ContactUpdate(title="Owner"), expected_version=1)
    before = dump(services)
    with pytest.raises(ConflictError) as conflict:
        services.customers.update(cid, edit, expected_version=1)
    assert (conflict.value.entity, conflict.value.row_id) == ("contact", contact.id)
    assert dump(services) == before
    other = services.customers.create(CustomerCreate(first_name="Bo", addresses=[ADDRESS]))
    [foreign] = services.addresses.list(other.id)
    before = dump(services)
    with pytest.raises(NotFound):
        services.customers.update(
            cid, CustomerUpdate(tags=["x"], removed_addresses=[foreign.id]), expected_version=1
        )
    assert dump(services) == before
