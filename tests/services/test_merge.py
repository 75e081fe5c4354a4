"""Merging duplicates and the duplicate-group scan, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    Customer,
    CustomerSearch,
    CustomerTag,
    Note,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Segment,
    SegmentMember,
    Subscription,
    Tag,
)
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.errors import ConflictError, ValidationError
from crm_tui.services.merge.service import MergeService, customer_references
from crm_tui.services.registry import Services

NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)


def _customer(services: Services, **values: object) -> int:
    return services.customers.create(CustomerCreate(**dict(values))).id


def _children(services: Services, cid: int, tag: str) -> None:
    """One row of every child kind, written directly."""
    with services.ctx.write() as session:
        tag_row = session.scalar(select(Tag).where(col(Tag.name_key) == tag)) or Tag(
            name=tag, name_key=tag
        )
        segment = session.scalar(select(Segment).where(col(Segment.name) == "Hand")) or Segment(
            name="Hand"
        )
        session.add_all([tag_row, segment])
        session.flush()
        sub = Subscription(
            customer_id=cid,
            product="Fibre",
            monthly_amount=Decimal("30.00"),
            start_date=date(2025, 1, 1),
        )
        order = Order(customer_id=cid, total=Decimal("10.00"), ordered_at=NOW)
        method = PaymentMethod(customer_id=cid, brand="Visa", bin="411111", last4="1111", exp_month=1,
                               exp_year=2030, holder_name="X", is_default=True)  # fmt: skip
        session.add_all([
            sub, order, method,
            Address(customer_id=cid, line1=f"{cid} Road", city="York", is_default_billing=True),
            Contact(customer_id=cid, first_name=f"Pat{cid}", is_primary=True),
            Note(customer_id=cid, title=f"note {cid}"),
            CustomerTag(customer_id=cid, tag_id=tag_row.id or 0),
        ])  # fmt: skip
        if tag == "vip":
            session.add(SegmentMember(customer_id=cid, segment_id=segment.id or 0))
        session.flush()
        session.add_all([
            OrderItem(order_id=order.id or 0, description="Cable", unit_price=Decimal("10.00")),
            Payment(customer_id=cid, amount=Decimal("30.00"), reporting_amount=Decimal("30.00"),
                    status="paid", paid_at=NOW,
                    subscription_id=sub.id, payment_method_id=method.id),
        ])  # fmt: skip


def _count(services: Services, model: type[object], cid: int) -> int:
    with services.ctx.read() as session:
        column = model.customer_id  # type: ignore[attr-defined]
        return int(
            session.scalar(select(func.count()).select_from(model).where(column == cid)) or 0
        )


def test_merge_moves_every_child_row(services: Services) -> None:
    """Every kind of child row moves to the survivor; the other is marked merged."""
    keep = _customer(services, first_name="Ana", last_name="Lima", phone="+447911123456")
    other = _customer(services, first_name="Anna", last_name="Lima", email="anna@example.com")
    _children(services, keep, "vip")
    _children(services, other, "vip")
    _children(services, other, "eco")
    result = MergeService(services.ctx).merge([keep, other], keep=keep)
    for model, expected in [(Address, 3), (Contact, 3), (Subscription, 3), (Order, 3), (Payment, 3),
                            (PaymentMethod, 3), (Note, 3), (CustomerTag, 2), (SegmentMember, 1)]:  # fmt: skip
        assert _count(services, model, keep) == expected, model
        assert _count(services, model, other) == 0, model
    assert result.survivor.email == "anna@example.com"
    assert services.addresses.list(keep)[0].is_default_billing
    assert sum(a.is_default_billing for a in services.addresses.list(keep)) == 1
    assert sum(c.is_primary for c in services.contacts.list(keep)) == 1
    merged = services.customers.get(other)
    assert (merged.status, merged.merged_into_id) == ("merged", keep)
    assert services.figures.for_customer(keep).lifetime_value == Decimal("90.00")


def test_merge_records_history_and_search(services: Services) -> None:
    """History records the merge on both sides; search documents are refreshed."""
    keep = _customer(services, first_name="Ana", last_name="Lima")
    other = _customer(services, first_name="Ana", last_name="Lima", email="ana@example.com")
    MergeService(services.ctx).merge([keep, other], keep=keep)
    with services.ctx.read() as session:
        moved = session.scalars(
            select(ChangeRecord).where(col(ChangeRecord.customer_id) == keep)
        ).all()
        assert any(r.entity_id == other and r.action == "create" for r in moved)
        assert any(r.action == "merge" and r.field == "merged_from" for r in moved)
        theirs = session.scalars(
            select(ChangeRecord).where(col(ChangeRecord.customer_id) == other)
        ).all()
        assert {r.field for r in theirs} == {"status", "merged_into"}
        doc = session.scalar(
            select(col(CustomerSearch.doc)).where(col(CustomerSearch.customer_id) == keep)
        )
        assert doc is not None and "ana@example.com" in doc


def test_field_choices(services: Services) -> None:
    """A chosen field takes the other customer's value; defaults fill empty fields."""
    keep = _customer(services, first_name="Ana", last_name="Lima", phone="+447911123456")
    other = _customer(
        services, first_name="Anita", last_name="Lima", phone="+447400123456", segment="VIP"
    )
    service = MergeService(services.ctx)
    plan = service.plan([keep, other], keep)
    by_field = {f.field: f for f in plan.fields}
    assert by_field["phone"].differs and by_field["phone"].default == keep
    assert by_field["segment"].default == other
    result = service.merge([keep, other], keep=keep, choices={"phone": other})
    assert (result.survivor.phone, result.survivor.segment, result.survivor.first_name) == (
        "+447400123456", "VIP", "Ana")  # fmt: skip


def test_merge_refusals(services: Services) -> None:
    """One id, a merged customer, or a stale version is refused with a clear error."""
    a = _customer(services, first_name="A", last_name="One")
    b = _customer(services, first_name="B", last_name="Two")
    c = _customer(services, first_name="C", last_name="Three")
    service = MergeService(services.ctx)
    with pytest.raises(ValidationError, match="two different"):
        service.merge([a, a], keep=a)
    with pytest.raises(ConflictError):
        service.merge([a, b], keep=a, expected_versions={b: 99})
    service.merge([a, b], keep=a)
    with pytest.raises(ValidationError, match="already merged"):
        service.merge([b, c], keep=c)


def test_chain_points_at_new_survivor(services: Services) -> None:
    """Customers merged earlier into a loser end up pointing at the new survivor."""
    a, b, c = (_customer(services, first_name=n, last_name="X") for n in ("A", "B", "C"))
    service = MergeService(services.ctx)
    service.merge([b, c], keep=b)
    service.merge([a, b], keep=a)
    assert services.customers.get(c).merged_into_id == a


def test_scan_finds_groups_in_the_database(services: Services) -> None:
    """Same phone, same name and birth date, similar names at a similar company."""
    p1 = _customer(services, first_name="Ana", last_name="Lima", phone="+447911123456")
    p2 = _customer(services, first_name="Ann", last_name="Other", phone="07911 123456")
    b1 = _customer(
        services, kind="business", company_name="Acme Ltd", first_name="Jo", last_name="Smith"
    )
    b2 = _customer(
        services, kind="business", company_name="ACME Limited", first_name="Joe", last_name="Smith"
    )
    _customer(
        services, kind="business", company_name="Acme Ltd", first_name="Zed", last_name="Quinn"
    )
    d1 = _customer(services, first_name="Tom", last_name="Hale", date_of_birth="1980-02-03")
    d2 = _customer(services, first_name="Tom", last_name="Hale", date_of_birth="1980-02-03")
    result = MergeService(services.ctx).find_groups()
    groups = {g.ids: g.reasons for g in result.groups}
    assert groups[(p1, p2)] == ("same phone",)
    assert groups[(b1, b2)] == ("similar name at the same company",)
    assert groups[(d1, d2)] == ("same name and date of birth",)
    assert len(groups) == 3


def test_references_come_from_metadata() -> None:
    """The moved tables are derived from foreign keys, customer's own link included."""
    names = {t.name for t, _c in customer_references()}
    assert {"address", "contact", "subscription", "customer_order", "payment", "payment_method",
            "note", "customer_tag", "segment_member", "change_history", "customer"} <= names  # fmt: skip
    assert Customer.__tablename__ in names


def test_merged_customer_cannot_be_edited(services: Services) -> None:
    """Editing a merged record is refused: it would take back the e-mail its survivor holds."""
    keep = _customer(services, first_name="Ana", email="ana@example.com")
    gone = _customer(services, first_name="Ana", email="ana.lima@example.com")
    MergeService(services.ctx).merge([keep, gone], keep=keep)
    version = services.customers.get(gone).version
    with pytest.raises(ValidationError, match="merged into another"):
        services.customers.update(
            gone, CustomerUpdate(email="other@example.com"), expected_version=version
        )
    assert services.customers.get(gone).email == "ana.lima@example.com"
    assert services.customers.create(CustomerCreate(first_name="Eva", email="other@example.com")).id
