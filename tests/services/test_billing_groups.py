"""Billing groups: membership rules, history, and the group view's totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import ChangeRecord
from crm_tui.services.billing.inputs import PaymentCreate, SubscriptionCreate
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.errors import ConflictError, NotFound, ValidationError
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services

D = Decimal


@pytest.fixture
def firms(services: Services) -> dict[str, int]:
    """Two businesses with money rows and invoices owing 42.50 and 7.25, one individual."""
    c = services.customers
    out = {
        "acme": c.create(CustomerCreate(kind="business", company_name="Acme", email="a@acme.example.com", payment_terms="Net 30")).id,
        "bolt": c.create(CustomerCreate(kind="business", company_name="Bolt", email="b@bolt.example.com", payment_terms="Net 7")).id,
        "ivy": c.create(CustomerCreate(first_name="Ivy", email="ivy@example.com")).id,
    }  # fmt: skip
    b = services.billing
    b.add_subscription(
        out["acme"],
        SubscriptionCreate(product="Fibre", monthly_amount="30.00", start_date="2025-01-01"),
    )
    b.add_subscription(
        out["acme"],
        SubscriptionCreate(product="TV", monthly_amount="12.50", start_date="2025-02-01"),
    )
    b.add_subscription(
        out["acme"], SubscriptionCreate(product="Old", monthly_amount="99", start_date="2024-01-01", status="ended", contract_end="2024-06-01"),
    )  # fmt: skip
    b.add_subscription(
        out["bolt"],
        SubscriptionCreate(product="Mobile", monthly_amount="7.25", start_date="2025-03-01"),
    )
    b.record_payment(
        out["acme"], PaymentCreate(amount="42.50", status="failed", paid_at="2025-12-01")
    )
    b.record_payment(out["bolt"], PaymentCreate(amount="100", status="paid", paid_at="2025-11-02"))
    for firm, price in (("acme", "42.50"), ("bolt", "107.25")):  # bolt's 100 paid settles part
        draft = services.invoices.create_draft(out[firm], [LineInput("Service", price)])
        services.invoices.issue(draft.id, on=date(2025, 12, 1))
    return out


def test_group_view_totals(services: Services, firms: dict[str, int]) -> None:
    """Members with terms, active subscriptions, monthly total and outstanding; group totals add up."""
    group = services.billing_groups.create("Head office")
    result = services.billing_groups.add_members(group.id, firms.values())
    assert (result.added, result.already, result.refused) == (2, 0, 1)
    view = services.billing_groups.view(group.id)
    assert [(m.name, m.payment_terms, m.active_subscriptions, m.active_monthly, m.outstanding)
            for m in view.members] == [
        ("Acme", "Net 30", 2, D("42.50"), D("42.50")),
        ("Bolt", "Net 7", 1, D("7.25"), D("7.25")),
    ]  # fmt: skip
    assert (view.group.members, view.group.active_monthly, view.group.outstanding) == (
        2,
        D("49.75"),
        D("49.75"),
    )
    assert view.active_subscriptions == 3
    listed = services.billing_groups.list()
    assert [(g.name, g.members, g.active_monthly) for g in listed] == [
        ("Head office", 2, D("49.75"))
    ]


def test_only_business_customers(services: Services, firms: dict[str, int]) -> None:
    """An individual is refused with a sentence saying why; so is a second add."""
    group = services.billing_groups.create("North")
    with pytest.raises(ValidationError, match="not a business customer"):
        services.billing_groups.add_member(group.id, firms["ivy"])
    services.billing_groups.add_member(group.id, firms["acme"])
    with pytest.raises(ValidationError, match="already in North"):
        services.billing_groups.add_member(group.id, firms["acme"])
    with pytest.raises(NotFound):
        services.billing_groups.add_member(group.id, 999_999)


def test_membership_is_a_customer_change(services: Services, firms: dict[str, int]) -> None:
    """Joining and leaving bump the customer's version and write its history."""
    group = services.billing_groups.create("North")
    before = services.customers.get(firms["acme"]).version
    services.billing_groups.add_member(group.id, firms["acme"])
    after = services.customers.get(firms["acme"])
    assert (after.billing_group_id, after.version) == (group.id, before + 1)
    # A wizard edit opened before the join, moving the customer elsewhere, conflicts.
    other = services.billing_groups.create("South")
    with pytest.raises(ConflictError):
        services.customers.update(
            firms["acme"], CustomerUpdate(billing_group_id=other.id), expected_version=before
        )
    services.billing_groups.remove_member(group.id, firms["acme"])
    assert services.customers.get(firms["acme"]).billing_group_id is None
    with services.ctx.read() as session:
        lines = session.execute(
            select(col(ChangeRecord.old_value), col(ChangeRecord.new_value))
            .where(
                col(ChangeRecord.customer_id) == firms["acme"],
                col(ChangeRecord.field) == "billing_group_id",
            )
            .order_by(col(ChangeRecord.id))
        ).all()
    assert [tuple(r) for r in lines] == [(None, str(group.id)), (str(group.id), None)]
    with pytest.raises(ValidationError, match="is not in North"):
        services.billing_groups.remove_member(group.id, firms["acme"])


def test_rename_and_delete(services: Services, firms: dict[str, int]) -> None:
    """Rename keeps names unique and segment rules in step; delete frees the members."""
    north = services.billing_groups.create("North")
    services.billing_groups.create("South")
    seg = services.segments.create(
        "In North",
        kind="dynamic",
        rules={"match": "all", "rules": [{"field": "billing_group", "op": "eq", "value": "North"}]},
    )
    services.billing_groups.add_member(north.id, firms["bolt"])
    with pytest.raises(ValidationError, match="already a billing group called 'south'"):
        services.billing_groups.rename(north.id, "south")
    renamed = services.billing_groups.rename(north.id, "North East")
    assert renamed.name == "North East" and renamed.members == 1
    stored = services.segments.get(seg.id).rules
    assert stored is not None and stored.rules[0].value == "North East"
    assert services.segments.count(seg.id) == 1
    with pytest.raises(ConflictError):
        services.billing_groups.rename(north.id, "Stale", expected_version=north.version)
    assert services.billing_groups.delete(north.id) == 1
    assert services.customers.get(firms["bolt"]).billing_group_id is None
    assert [g.name for g in services.billing_groups.list()] == ["South"]
