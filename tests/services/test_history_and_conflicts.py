"""Change history (who, when, field, old, new; same transaction) and concurrent edits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.models import ChangeRecord
from crm_tui.services import history
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressEdit,
    AddressUpdate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.errors import ConflictError, ValidationError
from crm_tui.services.history import HistoryEntry
from crm_tui.services.registry import Services, open_services


def entries(services: Services, customer_id: int, entity: str | None = None) -> list[HistoryEntry]:
    """The customer's history, oldest first, optionally for one entity."""
    rows = list(reversed(services.history.for_customer(customer_id, limit=10_000)))
    return [r for r in rows if entity is None or r.entity == entity]


def history_count(services: Services) -> int:
    with services.ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(ChangeRecord)) or 0)


def changes(rows: list[HistoryEntry]) -> set[tuple[str, str, str | None, str | None]]:
    """(action, field, old, new) of each row."""
    return {(r.action, r.field, r.old_value, r.new_value) for r in rows}


def assert_recent_by_tester(rows: list[HistoryEntry], since: datetime) -> None:
    assert rows
    for row in rows:
        assert row.actor == "tester"
        assert row.changed_at.tzinfo is not None
        assert since - timedelta(seconds=5) <= row.changed_at <= datetime.now(UTC)


@pytest.fixture
def customer_id(services: Services) -> int:
    return services.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", email="ana@example.pt", tags=["VIP"])
    ).id


@pytest.fixture
def business_id(services: Services) -> int:
    return services.customers.create(CustomerCreate(kind="business", company_name="Lima Lda")).id


# --- every change is recorded ----------------------------------------------------


def test_customer_create_and_field_edit_are_recorded(services: Services) -> None:
    """Creating a customer and editing a field record who, when, field, old and new."""
    start = datetime.now(UTC)
    created = services.customers.create(CustomerCreate(first_name="Ana", phone="+44 20 7946 0958"))
    services.customers.update(
        created.id,
        CustomerUpdate(first_name="Anna", segment="VIP"),
        expected_version=created.version,
    )
    rows = entries(services, created.id, "customer")
    assert_recent_by_tester(rows, start)
    assert {("create", "first_name", None, "Ana"), ("create", "phone", None, "+442079460958")} <= (
        changes(rows)
    )
    updates = [r for r in rows if r.action == "update"]
    assert changes(updates) == {
        ("update", "first_name", "Ana", "Anna"),
        ("update", "segment", None, "VIP"),
    }


def test_status_changes_are_recorded(services: Services, customer_id: int) -> None:
    """Deactivate, block (with reason) and unblock each record status and reason."""
    services.customers.deactivate(customer_id)
    services.customers.block(customer_id, "Chargeback")
    services.customers.unblock(customer_id)
    updates = [
        r
        for r in entries(services, customer_id, "customer")
        if r.action == "update" and r.field.startswith("status")
    ]
    assert [(r.field, r.old_value, r.new_value) for r in updates] == [
        ("status", "active", "inactive"),
        ("status", "inactive", "blocked"),
        ("status_reason", None, "Chargeback"),
        ("status", "blocked", "active"),
        ("status_reason", "Chargeback", None),
    ]


def test_tag_change_is_recorded(services: Services, customer_id: int) -> None:
    """Changing tags records the tag list before and after."""
    start = datetime.now(UTC)
    services.customers.set_tags(customer_id, ["VIP", "Wholesale"])
    rows = [r for r in entries(services, customer_id, "customer") if r.field == "tags"]
    assert_recent_by_tester(rows, start)
    assert rows[-1].new_value == "VIP, Wholesale"
    assert rows[-1].old_value is not None and rows[-1].old_value.casefold() == "vip"


def test_tag_history_keeps_tag_names_as_shown(services: Services, customer_id: int) -> None:
    """The old value of a tag change is the tag names as the clerk saw them."""
    services.customers.set_tags(customer_id, ["VIP", "Wholesale"])
    rows = [r for r in entries(services, customer_id, "customer") if r.field == "tags"]
    assert (rows[-1].old_value, rows[-1].new_value) == ("VIP", "VIP, Wholesale")


def test_address_add_edit_remove_are_recorded(services: Services, customer_id: int) -> None:
    """Adding, editing and removing an address each leave history rows."""
    start = datetime.now(UTC)
    address = services.addresses.add(customer_id, AddressCreate(line1="1 High St", city="Leeds"))
    assert address.id is not None
    services.addresses.update(
        address.id, AddressUpdate(city="York"), expected_version=address.version
    )
    services.addresses.remove(address.id)
    rows = entries(services, customer_id, "address")
    assert_recent_by_tester(rows, start)
    assert {r.entity_id for r in rows} == {address.id}
    assert {("create", "line1", None, "1 High St"), ("create", "city", None, "Leeds")} <= (
        changes(rows)
    )
    assert ("update", "city", "Leeds", "York") in changes(rows)
    deleted = [r for r in rows if r.action == "delete"]
    assert len(deleted) == 1 and deleted[0].old_value and "1 High St" in deleted[0].old_value
    assert deleted[0].new_value is None


def test_contact_add_is_recorded(services: Services, business_id: int) -> None:
    """Adding a contact records its fields, including becoming primary."""
    start = datetime.now(UTC)
    contact = services.contacts.add(
        business_id, ContactCreate(first_name="Rui", email="rui@lima.example", title="CFO")
    )
    rows = entries(services, business_id, "contact")
    assert_recent_by_tester(rows, start)
    assert {r.entity_id for r in rows} == {contact.id}
    assert {
        ("create", "first_name", None, "Rui"),
        ("create", "email", None, "rui@lima.example"),
        ("create", "title", None, "CFO"),
        ("create", "is_primary", None, "yes"),
    } <= changes(rows)


def test_customer_saved_with_its_children_records_each_change(services: Services) -> None:
    """A business created and then edited with its children in one call each: every part is
    stored and recorded as if made one by one (ticking a new contact primary moves it)."""
    created = services.customers.create(
        CustomerCreate(
            kind="business",
            company_name="Nova Lda",
            tags=["wholesale"],
            addresses=[AddressCreate(line1="1 Rua", city="Lisboa", country="PT")],
            contacts=[
                ContactCreate(first_name="Eva"),
                ContactCreate(first_name="Rui", is_primary=True),
            ],
            notes=[NoteCreate(title="Met at the fair")],
        )  # fmt: skip
    )
    cid = created.id
    [address] = services.addresses.list(cid)
    rui, eva = services.contacts.list(cid)
    assert address.is_default_billing and (rui.is_primary, eva.is_primary) == (True, False)
    assert [n.title for n in services.notes.list(cid)] == ["Met at the fair"]
    assert created.tags == ("wholesale",)
    rows = entries(services, cid)
    assert {(r.entity, r.action) for r in rows} == {
        ("customer", "create"), ("customer", "update"), ("address", "create"),
        ("contact", "create"), ("contact", "update"), ("note", "create"),
    }  # fmt: skip
    services.customers.update(
        cid,
        CustomerUpdate(
            industry="Retail",
            tags=["retail"],
            address_edits=[
                AddressEdit(
                    id=address.id, version=address.version, changes=AddressUpdate(city="Sintra")
                )
            ],
            removed_contacts=[eva.id],
            new_addresses=[AddressCreate(kind="shipping", line1="Depot", city="Porto")],
            new_notes=[NoteCreate(title="Second visit")],
        ),  # fmt: skip
        expected_version=created.version,
    )
    after = services.customers.get(cid)
    assert (after.industry, after.tags, after.version) == ("Retail", ("retail",), 2)
    assert sorted(a.city for a in services.addresses.list(cid)) == ["Porto", "Sintra"]
    assert [c.first_name for c in services.contacts.list(cid)] == ["Rui"]
    assert {
        ("update", "industry", None, "Retail"), ("update", "tags", "wholesale", "retail"),
        ("update", "city", "Lisboa", "Sintra"), ("delete", "contact", "Eva", None),
        ("create", "city", None, "Porto"), ("create", "title", None, "Second visit"),
    } <= changes(entries(services, cid)[len(rows):])  # fmt: skip


def test_note_pin_is_recorded(services: Services, customer_id: int) -> None:
    """Pinning and unpinning a note records the pinned flag's old and new value."""
    note = services.notes.add(customer_id, NoteCreate(title="Prefers mornings"))
    assert note.id is not None
    start = datetime.now(UTC)
    services.notes.toggle_pin(note.id)
    services.notes.toggle_pin(note.id)
    rows = [r for r in entries(services, customer_id, "note") if r.action == "update"]
    assert_recent_by_tester(rows, start)
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("pinned", "no", "yes"),
        ("pinned", "yes", "no"),
    ]


def test_payment_refund_is_recorded(services: Services, customer_id: int) -> None:
    """Refunding a payment records its status going from paid to refunded."""
    payment = services.billing.record_payment(customer_id, PaymentCreate(amount="25.00"))
    assert payment.id is not None
    start = datetime.now(UTC)
    services.billing.refund(payment.id)
    rows = [r for r in entries(services, customer_id, "payment") if r.action == "update"]
    assert_recent_by_tester(rows, start)
    assert [(r.entity_id, r.field, r.old_value, r.new_value) for r in rows] == [
        (payment.id, "status", "paid", "refunded")
    ]


# --- a failed write records nothing ---------------------------------------------


def test_refused_writes_record_no_history(
    services: Services, customer_id: int, business_id: int
) -> None:
    """A write refused by validation leaves the change log untouched."""
    current = services.customers.get(customer_id)
    attempts: list[Any] = [
        lambda: services.customers.update(
            customer_id, CustomerUpdate(email="nope"), expected_version=current.version
        ),
        lambda: services.customers.create(CustomerCreate(first_name="X", email="ANA@example.pt ")),
        lambda: services.customers.set_tags(customer_id, ["fine", "bad\x00"]),
        lambda: services.contacts.add(business_id, ContactCreate(first_name="A", is_primary=True)),
        lambda: services.contacts.add(business_id, ContactCreate(first_name="B", phone="abc")),
        lambda: services.notes.add(customer_id, NoteCreate(title="4111 1111 1111 1111")),
        lambda: services.billing.record_payment(customer_id, PaymentCreate(amount="-1")),
    ]
    services.contacts.add(business_id, ContactCreate(first_name="Primary"))
    before = history_count(services)
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    assert history_count(services) == before


class Boom(Exception):
    """Raised by the sabotaged history writer."""


@pytest.fixture
def failing_history(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """history.record writes its rows, then the transaction fails."""
    original = history.record

    def record_then_fail(session: Any, **kwargs: Any) -> None:
        original(session, **kwargs)
        session.flush()
        raise Boom("after history was written")

    monkeypatch.setattr(history, "record", record_then_fail)
    yield


def test_history_and_change_commit_together(
    services: Services, customer_id: int, business_id: int, failing_history: None
) -> None:
    """When a write fails after logging, neither the change nor its history is kept."""
    before_count = history_count(services)
    current = services.customers.get(customer_id)
    with pytest.raises(Boom):
        services.customers.update(
            customer_id, CustomerUpdate(first_name="Changed"), expected_version=current.version
        )
    with pytest.raises(Boom):
        services.customers.set_tags(customer_id, ["Other"])
    with pytest.raises(Boom):
        services.addresses.add(customer_id, AddressCreate(line1="1 High St", city="Leeds"))
    with pytest.raises(Boom):
        services.contacts.add(business_id, ContactCreate(first_name="Rui"))
    with pytest.raises(Boom):
        services.billing.record_payment(customer_id, PaymentCreate(amount="5.00"))
    assert history_count(services) == before_count
    after = services.customers.get(customer_id)
    assert (after.first_name, after.version, after.tags) == ("Ana", current.version, ("VIP",))
    assert services.addresses.list(customer_id) == []
    assert services.contacts.list(business_id) == []
    assert services.billing.payments(customer_id) == []


# --- concurrent edits ------------------------------------------------------------


@pytest.fixture
def other_clerk(settings: Settings) -> Iterator[Services]:
    """A second Services on the same database: its own engine, like another process."""
    svc = open_services(settings.with_(clerk="other"))
    yield svc
    svc.close()


def test_edits_to_different_fields_merge(services: Services, customer_id: int) -> None:
    """Two edits from the same version to different fields both apply."""
    opened = services.customers.get(customer_id)
    services.customers.update(
        customer_id, CustomerUpdate(first_name="Bea"), expected_version=opened.version
    )
    merged = services.customers.update(
        customer_id, CustomerUpdate(phone="+44 20 7946 0958"), expected_version=opened.version
    )
    assert (merged.first_name, merged.phone) == ("Bea", "+442079460958")
    assert merged.version == opened.version + 2


def test_edits_to_same_field_conflict_with_both_values(
    services: Services, customer_id: int
) -> None:
    """Two edits from the same version to the same field: the second is refused."""
    opened = services.customers.get(customer_id)
    services.customers.update(
        customer_id,
        CustomerUpdate(first_name="Bea", last_name="Souza"),
        expected_version=opened.version,
    )
    with pytest.raises(ConflictError) as info:
        services.customers.update(
            customer_id,
            CustomerUpdate(last_name="Silva", segment="VIP"),
            expected_version=opened.version,
        )
    assert [(c.field, c.then, c.now, c.yours) for c in info.value.conflicts] == [
        ("last_name", "Lima", "Souza", "Silva")
    ]
    assert "last_name" in info.value.message or "last name" in info.value.message
    after = services.customers.get(customer_id)
    assert (after.first_name, after.last_name, after.segment) == ("Bea", "Souza", None)


def test_same_value_saved_twice_is_not_a_conflict(services: Services, customer_id: int) -> None:
    """Two clerks typing the same new value do not conflict."""
    opened = services.customers.get(customer_id)
    services.customers.update(
        customer_id, CustomerUpdate(last_name="Souza"), expected_version=opened.version
    )
    again = services.customers.update(
        customer_id, CustomerUpdate(last_name="Souza"), expected_version=opened.version
    )
    assert again.last_name == "Souza"


def test_two_processes_merge_and_conflict(
    services: Services, other_clerk: Services, customer_id: int
) -> None:
    """Two Services (two engines) on one database merge different fields, refuse the same."""
    mine = services.customers.get(customer_id)
    theirs = other_clerk.customers.get(customer_id)
    assert mine.version == theirs.version
    other_clerk.customers.update(
        customer_id, CustomerUpdate(first_name="Bea"), expected_version=theirs.version
    )
    merged = services.customers.update(
        customer_id, CustomerUpdate(segment="Wholesale"), expected_version=mine.version
    )
    assert (merged.first_name, merged.segment) == ("Bea", "Wholesale")
    with pytest.raises(ConflictError) as info:
        services.customers.update(
            customer_id, CustomerUpdate(first_name="Cid"), expected_version=mine.version
        )
    assert [(c.field, c.then, c.now, c.yours) for c in info.value.conflicts] == [
        ("first_name", "Ana", "Bea", "Cid")
    ]
    actors = {(r.field, r.actor) for r in entries(services, customer_id) if r.action == "update"}
    assert {("first_name", "other"), ("segment", "tester")} <= actors


def test_child_row_edits_merge_and_conflict(
    services: Services, other_clerk: Services, customer_id: int
) -> None:
    """Addresses follow the same rule: different fields merge, the same field conflicts."""
    address = services.addresses.add(customer_id, AddressCreate(line1="1 High St", city="Leeds"))
    assert address.id is not None
    version = address.version
    other_clerk.addresses.update(address.id, AddressUpdate(city="York"), expected_version=version)
    merged = services.addresses.update(
        address.id, AddressUpdate(postal_code="LS1 1AA"), expected_version=version
    )
    assert (merged.city, merged.postal_code) == ("York", "LS1 1AA")
    with pytest.raises(ConflictError) as info:
        services.addresses.update(address.id, AddressUpdate(city="Hull"), expected_version=version)
    assert [(c.field, c.then, c.now) for c in info.value.conflicts] == [("city", "Leeds", "York")]


def test_racing_saves_of_one_field_let_exactly_one_win(
    services: Services, other_clerk: Services, customer_id: int
) -> None:
    """Clerks saving the same field at once from the same version: one wins, the rest conflict."""
    opened = services.customers.get(customer_id)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(svc: Services, name: str) -> None:
        barrier.wait()
        try:
            svc.customers.update(
                customer_id, CustomerUpdate(first_name=name), expected_version=opened.version
            )
            result = "saved"
        except ConflictError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=save, args=(services if i % 2 else other_clerk, f"Name{i}"))
        for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]
    final = services.customers.get(customer_id)
    assert final.version == opened.version + 1
    assert final.first_name is not None and final.first_name.startswith("Name")
