"""`crm export --customer` and `crm erase` (data-protection requests) through click.

The export must hold every table that links to a customer, found from the
foreign keys (a new table fails here until the export includes it); the
erase must leave none of the person's strings in the SQLite file or its WAL.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Table, func, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.models import InvoiceReminder
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    NoteCreate,
)
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services, open_services

# Strings that exist nowhere but in the person's data (checked on disk before the erase).
UNIQUE = {
    "first_name": "Ottoqvist",
    "last_name": "Brandwejn",
    "company_name": "Quorvax Trading",
    "email": "otto.qvist@quorvax-erase.example",
    "street": "12 Zumbrakel Road",
    "contact": "Ilsevandqx",
    "note": "Prefers calls after Vexmoor rehearsals",
    "holder": "OTTOQVIST HOLDER",
    "reference": "Refqx Ottoqvist March",
    "serial": "SN-QXV-778812",
    "custom": "Lockerqx B-17",
}
PHONE_DIGITS = "442079460456"


def crm(settings: Settings, *args: str, input: str | None = None) -> Result:  # noqa: A002
    return CliRunner().invoke(
        cli, ["--db", settings.database_url, *args], input=input, catch_exceptions=False
    )


def linked_tables() -> set[str]:
    """Every table with a chain of foreign keys ending at customer.id (customer excluded)."""
    found = {"customer"}
    grew = True
    while grew:
        grew = False
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in found and any(
                fk.column.table.name in found for fk in table.foreign_keys
            ):
                found.add(table.name)
                grew = True
    return found - {"customer"}


def rich_customer(services: Services) -> int:
    """A business customer with a row in every table that links to a customer."""
    s = services
    c = s.customers.create(
        CustomerCreate(kind="business", company_name=UNIQUE["company_name"], first_name=UNIQUE["first_name"], last_name=UNIQUE["last_name"], email=UNIQUE["email"], phone="+44 20 7946 0456", tags=["Quorvaxtag"]),
    )  # fmt: skip
    cid = c.id
    s.addresses.add(cid, AddressCreate(line1=UNIQUE["street"], city="York", postal_code="YO1 7HH"))
    s.contacts.add(cid, ContactCreate(first_name=UNIQUE["contact"], title="Buyer"))
    s.notes.add(cid, NoteCreate(title="Call", body=UNIQUE["note"]))
    s.custom_fields.set(cid, "Locker", UNIQUE["custom"])
    method = s.billing.add_payment_method(
        cid, PaymentMethodCreate(brand="Visa", bin="411111", last4="1111", exp_month=1, exp_year=2031, holder_name=UNIQUE["holder"]),
    )  # fmt: skip
    sub = s.billing.add_subscription(
        cid, SubscriptionCreate(product="Router", monthly_amount="9.50", start_date="2025-01-01", asset_serial=UNIQUE["serial"]),
    )  # fmt: skip
    order = s.billing.add_order(
        cid, OrderCreate(items=[OrderItemCreate(description="Cable", unit_price="4.00")])
    )
    s.billing.record_payment(
        cid, PaymentCreate(amount="9.50", subscription_id=sub.id, payment_method_id=method.id, reference=UNIQUE["reference"]),
    )  # fmt: skip
    invoice = s.invoices.create_draft(cid, [LineInput("Support", "3.00")])
    s.invoices.issue(invoice.id, on=date(2026, 1, 5))  # settled by the payments above
    with s.ctx.write() as session:  # a reminder sent earlier for it
        session.add(
            InvoiceReminder(
                invoice_id=invoice.id, level=1, status="sent", channel="outbox",
                recipient=UNIQUE["email"],
            )
        )  # fmt: skip
    s.billing.record_payment(cid, PaymentCreate(amount="4.00", order_id=order.id))
    segment = s.segments.create("Quorvax picks", description="Handpicked")
    s.segments.add_members(segment.id, [cid])
    group = s.billing_groups.create("Quorvax group")
    s.billing_groups.add_member(group.id, cid)
    return cid


@pytest.fixture
def people(sqlite_settings: Settings) -> tuple[int, int]:
    """(the person, a bystander with a note and a payment)."""
    services = open_services(sqlite_settings)
    try:
        person = rich_customer(services)
        other = services.customers.create(
            CustomerCreate(
                first_name="Carla", last_name="Dias", email="carla@example.pt", tags=["Quorvaxtag"]
            ),
        )
        services.notes.add(other.id, NoteCreate(title="Bystander note"))
        services.billing.record_payment(other.id, PaymentCreate(amount="7.00"))
        return person, other.id
    finally:
        services.close()


def count_rows(services: Services, table: Table, customer_id: int) -> int:
    with services.ctx.db.engine.connect() as conn:
        query = select(func.count()).select_from(table)
        return int(conn.execute(query.where(table.c.customer_id == customer_id)).scalar_one())


def test_export_covers_every_table_linked_to_a_customer(
    sqlite_settings: Settings, people: tuple[int, int], tmp_path: Path
) -> None:
    """Each FK-linked table has a section, with all of the person's rows in it."""
    person, _ = people
    target = tmp_path / "person.json"
    result = crm(sqlite_settings, "export", str(target), "--customer", UNIQUE["email"])
    assert result.exit_code == 0, result.output
    assert "C-000001" in result.output
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    related: dict[str, list[dict[str, Any]]] = data["related"]
    tables = linked_tables()
    assert {"address", "contact", "note", "payment", "order_item"} <= tables  # sanity
    missing = sorted(tables - set(related))
    assert missing == [], f"the person export leaves out {missing}"
    empty = sorted(name for name in tables if not related[name])
    assert empty == [], f"extend rich_customer() so these tables hold a row: {empty}"
    services = open_services(sqlite_settings)
    try:
        for name in sorted(tables):
            table = SQLModel.metadata.tables[name]
            if "customer_id" in table.c:
                assert len(related[name]) == count_rows(services, table, person), name
    finally:
        services.close()
    exported = json.dumps(data, ensure_ascii=False)
    assert all(value in exported for value in UNIQUE.values())
    assert "Carla" not in exported and "Bystander" not in exported
    assert data["referenced"]["tag"][0]["name"] == "Quorvaxtag"


def test_export_customer_refuses_other_formats_and_unknown_people(
    sqlite_settings: Settings, people: tuple[int, int], tmp_path: Path
) -> None:
    """--customer with --format csv is bad usage (2); an unknown customer exits 1."""
    out = str(tmp_path / "p.csv")
    bad = crm(sqlite_settings, "export", out, "--customer", "1", "--format", "csv")
    assert bad.exit_code == 2 and "JSON only" in bad.output
    unknown = crm(sqlite_settings, "export", str(tmp_path / "x.json"), "--customer", "C-000999")
    assert unknown.exit_code == 1 and "No customer matches" in unknown.output


def on_disk(settings: Settings) -> bytes:
    path = Path(make_url(settings.database_url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def probes() -> list[bytes]:
    texts = [*UNIQUE.values(), PHONE_DIGITS]
    return sorted({t.encode() for t in texts} | {t.casefold().encode() for t in texts})


def snapshot(services: Services, customer_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row with this customer_id, table by table."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with services.ctx.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if "customer_id" in table.c:
                query = select(table).where(table.c.customer_id == customer_id)
                out[table.name] = sorted(tuple(r) for r in conn.execute(query))
    return out


def test_erase_needs_the_typed_number(sqlite_settings: Settings, people: tuple[int, int]) -> None:
    """A wrong number at the prompt exits 2, end of input exits 1; nothing is erased."""
    wrong = crm(sqlite_settings, "erase", UNIQUE["email"], input="C-000002\n")
    assert wrong.exit_code == 2
    assert "Type the customer number C-000001 to confirm the erase." in wrong.output
    silent = crm(sqlite_settings, "erase", "1", input="")
    assert silent.exit_code in (1, 2)
    both = crm(sqlite_settings, "erase", "1", "--yes", "--confirm", "C-000001")
    assert both.exit_code == 2 and "not both" in both.output
    unknown = crm(sqlite_settings, "erase", "C-000999", "--yes")
    assert unknown.exit_code == 1 and "No customer matches" in unknown.output
    services = open_services(sqlite_settings)
    try:
        assert services.customers.get(1).erased_at is None
    finally:
        services.close()


def test_erase_leaves_no_trace_on_disk_and_keeps_the_money(
    sqlite_settings: Settings, people: tuple[int, int]
) -> None:
    """After `crm erase`, no unique string is in the file or WAL; payments stay; others untouched."""
    person, other = people
    missing = [p for p in probes() if p.decode() in (*UNIQUE.values(), PHONE_DIGITS)]
    missing = [p for p in missing if p not in on_disk(sqlite_settings)]
    assert missing == [], "the strings should be on disk before the erase"
    services = open_services(sqlite_settings)
    bystander = snapshot(services, other)
    services.close()

    result = crm(sqlite_settings, "erase", UNIQUE["email"], input="c-000001\n")
    assert result.exit_code == 0, result.output
    assert "Erased C-000001" in result.output

    left = [p for p in probes() if p in on_disk(sqlite_settings)]
    assert left == []
    services = open_services(sqlite_settings)
    try:
        payments = services.billing.payments(person)
        assert sorted(p.amount for p in payments) == [Decimal("4.00"), Decimal("9.50")]
        assert all(p.payment_method_id is None and p.reference is None for p in payments)
        assert len(services.billing.subscriptions(person)) == 1
        assert snapshot(services, other) == bystander
        assert services.customers.get(other).tags == ("Quorvaxtag",)
    finally:
        services.close()
    again = crm(sqlite_settings, "erase", "C-000001", "--confirm", "C-000001")
    assert again.exit_code == 0 and "already erased" in again.output


def test_erase_prints_stored_text_literally(sqlite_settings: Settings) -> None:
    """The name shown before the prompt has its escape sequences made visible."""
    services = open_services(sqlite_settings)
    try:
        services.customers.create(
            CustomerCreate(first_name="\x1b]0;pwned\x07Eve", last_name="[b]x[/b]")
        )
    finally:
        services.close()
    result = crm(sqlite_settings, "erase", "1", "--yes")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07Eve [b]x[/b]" in result.output
