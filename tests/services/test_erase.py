"""The data-protection erase: confirmed by the typed number; personal data gone, money kept."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.config import Settings
from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    CustomerSearch,
    CustomerTag,
    Note,
    PaymentMethod,
)
from crm_tui.services.billing.inputs import PaymentCreate, PaymentMethodCreate, SubscriptionCreate
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.registry import Services, open_services

Dump = dict[str, list[tuple[Any, ...]]]

# Unique strings that exist nowhere but in the erased customer's personal data.
FIRST = "Qzxwvrfirst"
LAST = "Jkplmnlast"
COMPANY = "Wyvernqo Holdings"
EMAIL = "zzqx.erasee@unique-erase.example"
OLD_EMAIL = "oldqx.erasee@unique-erase.example"
PHONE = "+44 20 7946 0123"
PHONE_DIGITS = "442079460123"
STREET = "77 Xylophrax Lane"
CONTACT = "Brunhildqx"
CONTACT_EMAIL = "brunhildqx@unique-erase.example"
NOTE_TITLE = "Mentioned Zorblatt"
NOTE_BODY = "Lives next to Grumwaldqx park"
HOLDER = "QZX HOLDERNAME"
OLD_NAME = "Formerqxname"
MARKERS = [
    FIRST,
    LAST,
    COMPANY,
    EMAIL,
    OLD_EMAIL,
    PHONE_DIGITS,
    STREET,
    CONTACT,
    CONTACT_EMAIL,
    "Zorblatt",
    "Grumwaldqx",
    HOLDER,
    OLD_NAME,
]


def dump(services: Services) -> Dump:
    """Every row of every table, sorted by primary key."""
    out: Dump = {}
    with services.ctx.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


def rows_of(data: Dump, table: str, column: str, value: object) -> list[tuple[Any, ...]]:
    """The dumped rows of `table` whose `column` equals `value`."""
    index = [c.name for c in SQLModel.metadata.tables[table].columns].index(column)
    return [row for row in data[table] if row[index] == value]


def customer_rows(data: Dump, customer_id: int) -> Dump:
    """Every dumped row that belongs to one customer (by customer_id, or the customer row)."""
    out: Dump = {}
    for name, table in SQLModel.metadata.tables.items():
        if name == "customer":
            out[name] = rows_of(data, name, "id", customer_id)
        elif "customer_id" in table.columns:
            out[name] = rows_of(data, name, "customer_id", customer_id)
    return out


@dataclass(frozen=True)
class Victim:
    """The customer to erase, a bystander, and the erased customer's money."""

    id: int
    number: str
    bystander: int
    payment_ids: tuple[int, ...]


@pytest.fixture
def victim(services: Services) -> Victim:
    """A business customer with every kind of personal data, history, and payments."""
    return make_victim(services)


def make_victim(services: Services) -> Victim:
    created = services.customers.create(
        CustomerCreate(
            kind="business",
            company_name=COMPANY,
            first_name=OLD_NAME,
            last_name=LAST,
            email=OLD_EMAIL,
            phone=PHONE,
            date_of_birth="1980-02-03",
            tags=["VIP"],
        ),
    )
    cid = created.id
    services.customers.update(
        cid, CustomerUpdate(first_name=FIRST, email=EMAIL), expected_version=created.version
    )
    services.addresses.add(cid, AddressCreate(line1=STREET, city="Leeds", postal_code="LS1 1AA"))
    services.contacts.add(
        cid, ContactCreate(first_name=CONTACT, email=CONTACT_EMAIL, phone="+44 20 7946 0999")
    )
    services.notes.add(cid, NoteCreate(title=NOTE_TITLE, body=NOTE_BODY))
    method = services.billing.add_payment_method(
        cid,
        PaymentMethodCreate(brand="Visa", bin="411111", last4="1111", exp_month=12, exp_year=2030, holder_name=HOLDER),
    )  # fmt: skip
    sub = services.billing.add_subscription(
        cid, SubscriptionCreate(product="Router", monthly_amount="19.99", start_date="2024-01-01")
    )
    p1 = services.billing.record_payment(
        cid, PaymentCreate(amount="19.99", subscription_id=sub.id, payment_method_id=method.id)
    )
    p2 = services.billing.record_payment(cid, PaymentCreate(amount="5.00", status="pending"))
    bystander = services.customers.create(
        CustomerCreate(first_name="Carla", last_name="Dias", email="carla@example.pt", tags=["VIP"])
    )
    services.notes.add(bystander.id, NoteCreate(title="Bystander note"))
    services.billing.record_payment(bystander.id, PaymentCreate(amount="7.00"))
    assert p1.id is not None and p2.id is not None
    return Victim(cid, created.number, bystander.id, (p1.id, p2.id))


@pytest.mark.parametrize("typed", ["", "yes", "C-000999", "000001x", "erase"])
def test_erase_requires_the_typed_number(services: Services, victim: Victim, typed: str) -> None:
    """Without the customer's own number typed, nothing is erased."""
    before = dump(services)
    with pytest.raises(ValidationError) as info:
        services.customers.erase(victim.id, confirm=typed)
    assert info.value.field == "confirm"
    assert victim.number in info.value.message
    assert dump(services) == before


def test_erase_accepts_the_number_in_any_case(services: Services, victim: Victim) -> None:
    """The typed number may be lower case or padded with spaces."""
    services.customers.erase(victim.id, confirm=f"  {victim.number.lower()} ")
    assert services.customers.get(victim.id).erased_at is not None


def test_erase_removes_personal_data_and_keeps_money(services: Services, victim: Victim) -> None:
    """After the erase no personal value remains anywhere; payments and other customers stay."""
    before = dump(services)
    before_text = repr(before)
    for marker in MARKERS:
        assert marker in before_text, f"fixture should store {marker!r}"

    services.customers.erase(victim.id, confirm=victim.number)
    after = dump(services)

    # No marker survives in any column of any table (history and search included).
    after_text = repr(after)
    assert [m for m in MARKERS if m in after_text] == []

    customer = services.customers.get(victim.id)
    assert customer.erased_at is not None
    assert customer.email is None and customer.phone is None
    assert customer.date_of_birth is None and customer.company_name is None
    assert customer.tags == ()
    for model in (Address, Contact, Note, PaymentMethod, CustomerTag, CustomerSearch):
        assert rows_of(after, model.__tablename__, "customer_id", victim.id) == [], model
    history = rows_of(after, ChangeRecord.__tablename__, "customer_id", victim.id)
    assert history, "the change log keeps who did what, without the values"
    value_cols = [
        [c.name for c in ChangeRecord.__table__.columns].index(name)  # type: ignore[attr-defined]
        for name in ("old_value", "new_value")
    ]
    assert all(row[i] is None for row in history for i in value_cols)

    # Money records stay, anonymised (no payment method link), with the same amounts.
    payments = services.billing.payments(victim.id)
    assert sorted(p.id for p in payments if p.id is not None) == sorted(victim.payment_ids)
    assert sorted(p.amount for p in payments) == [Decimal("5.00"), Decimal("19.99")]
    assert all(p.payment_method_id is None for p in payments)
    assert len(services.billing.subscriptions(victim.id)) == 1
    assert services.figures.for_customer(victim.id).lifetime_value == Decimal("19.99")

    # The bystander is untouched, row for row.
    assert customer_rows(after, victim.bystander) == customer_rows(before, victim.bystander)


def test_erased_customer_cannot_be_found_or_edited(services: Services, victim: Victim) -> None:
    """The old e-mail no longer resolves, is free for a new customer, and edits are refused."""
    services.customers.erase(victim.id, confirm=victim.number)
    with pytest.raises(NotFound):
        services.customers.resolve(EMAIL)
    with pytest.raises(NotFound):
        services.customers.resolve(PHONE)
    erased = services.customers.get(victim.id)
    with pytest.raises(ValidationError):
        services.customers.update(
            victim.id, CustomerUpdate(first_name="Back"), expected_version=erased.version
        )
    with pytest.raises(ValidationError):
        services.notes.add(victim.id, NoteCreate(title="Hello again"))
    again = services.customers.create(CustomerCreate(first_name="New", email=EMAIL.upper()))
    assert again.id != victim.id


SEARCH_INDEX_PREFIXES = ("customer_search_fts", "customer_search_words")


def erase_on_sqlite_and_read(settings: Settings) -> tuple[bytes, bytes, list[bytes]]:
    """Erase a victim on a SQLite file; return the main file, its WAL, and the probes.

    The probes are the victim's strings as typed and casefolded (the search
    documents are casefolded). Checks first that every probe was on disk.
    """
    services = open_services(settings)
    try:
        victim = make_victim(services)
        database = make_url(str(services.ctx.db.engine.url)).database
        assert database
        path = Path(database)
        wal = path.with_name(path.name + "-wal")
        texts = [FIRST, LAST, OLD_NAME, COMPANY, EMAIL, OLD_EMAIL, PHONE_DIGITS, NOTE_BODY]
        texts += [CONTACT_EMAIL, STREET, HOLDER]
        probes = sorted({t.encode() for t in texts} | {t.casefold().encode() for t in texts})
        before = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        missing = [p for p in probes if p not in before and p.decode() in texts]
        assert missing == [], "the strings should be on disk before the erase"
        services.customers.erase(victim.id, confirm=victim.number)
        # Close every connection too: nothing may be waiting in the WAL.
        services.close()
        return path.read_bytes(), wal.read_bytes() if wal.exists() else b"", probes
    finally:
        services.close()


def search_index_pages(path: Path) -> set[int]:
    """Page numbers of the FTS5 search index's shadow tables (needs SQLite's dbstat)."""
    with closing(sqlite3.connect(path)) as conn:
        try:
            rows = conn.execute("SELECT name, pageno FROM dbstat").fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to map pages to tables")
    return {int(pageno) for name, pageno in rows if str(name).startswith(SEARCH_INDEX_PREFIXES)}


def test_erase_leaves_no_bytes_in_the_sqlite_tables(sqlite_settings: Settings) -> None:
    """On SQLite, no table page (search index aside) nor the WAL holds the erased strings."""
    main, wal, probes = erase_on_sqlite_and_read(sqlite_settings)
    path = Path(make_url(sqlite_settings.database_url).database or "")
    page_size = 4096
    with closing(sqlite3.connect(path)) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    masked = bytearray(main)
    for pageno in search_index_pages(path):
        start = (pageno - 1) * page_size
        masked[start : start + page_size] = bytes(page_size)
    assert [p for p in probes if p in masked] == []
    assert [p for p in probes if p in wal] == []


def test_erase_leaves_no_bytes_in_the_sqlite_file(sqlite_settings: Settings) -> None:
    """On SQLite, neither the database file nor its WAL holds the erased strings afterwards."""
    main, wal, probes = erase_on_sqlite_and_read(sqlite_settings)
    assert [p for p in probes if p in main + wal] == []


def test_erasing_a_merged_customer_keeps_it_merged(services: Services) -> None:
    """A merged record that is erased still says merged and still points at its survivor."""
    from crm_tui.services.merge.service import MergeService

    keep = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.com")).id
    gone = services.customers.create(CustomerCreate(first_name="Ana", last_name="Lima")).id
    MergeService(services.ctx).merge([keep, gone], keep=keep)
    services.customers.erase(gone, confirm=f"C-{gone:06d}")
    erased = services.customers.get(gone)
    assert (erased.status, erased.merged_into_id, erased.first_name) == ("merged", keep, "Erased")
    assert erased.erased_at is not None
