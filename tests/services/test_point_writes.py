"""E-mails, phones and web addresses saved with their customer, as the wizard saves them."""

from __future__ import annotations

import pytest

from crm_tui.services.customers.inputs import (
    CustomerCreate,
    CustomerUpdate,
    PointCreate,
    PointEdit,
    PointUpdate,
)
from crm_tui.services.errors import ChildRefused
from crm_tui.services.registry import Services


def _points(services: Services, customer_id: int) -> list[tuple[str, str, str, bool]]:
    return sorted(
        (p.kind, p.value, p.label, p.is_primary) for p in services.contact_points.list(customer_id)
    )


def test_create_with_labelled_points(services: Services) -> None:
    """A new customer's extra points join the primaries its e-mail and phone make."""
    ana = services.customers.create(CustomerCreate(
        first_name="Ana", email="ana@example.pt", phone="+351912345678",
        points=[PointCreate(kind="email", value="ana@example.pt", label="work", is_primary=True),
                PointCreate(kind="email", value="ana@home.example", label="home"),
                PointCreate(kind="phone", value="+44 20 7946 0958", label="work"),
                PointCreate(kind="web", value="ana.example", label="other")],
    ))  # fmt: skip
    assert _points(services, ana.id) == [
        ("email", "ana@example.pt", "work", True),
        ("email", "ana@home.example", "home", False),
        ("phone", "+351912345678", "other", True),
        ("phone", "+442079460958", "work", False),
        ("web", "https://ana.example", "other", True),
    ]
    assert services.customers.get(ana.id).email == "ana@example.pt"
    assert [c.id for c in services.search.search("ana@home.example").rows] == [ana.id]


def test_update_relabels_sets_primary_removes_and_adds(services: Services) -> None:
    """One save: a label changed, another e-mail made primary, a phone removed, one added."""
    ana = services.customers.create(CustomerCreate(
        first_name="Ana", email="ana@example.pt", phone="+351912345678",
        points=[PointCreate(kind="email", value="ana@home.example", label="home"),
                PointCreate(kind="phone", value="+44 20 7946 0958", label="work")],
    ))  # fmt: skip
    held = {p.value: p.id or 0 for p in services.contact_points.list(ana.id)}
    services.customers.update(ana.id, CustomerUpdate(
        point_edits=[PointEdit(id=held["ana@example.pt"], changes=PointUpdate(label="work")),
                     PointEdit(id=held["ana@home.example"], changes=PointUpdate(is_primary=True))],
        removed_points=[held["+351912345678"]],
        new_points=[PointCreate(kind="phone", value="+351 21 234 5678", label="home")],
    ), expected_version=ana.version)  # fmt: skip
    after = services.customers.get(ana.id)
    assert after.email == "ana@home.example" and after.phone == "+442079460958"
    assert _points(services, ana.id) == [
        ("email", "ana@example.pt", "work", False),
        ("email", "ana@home.example", "home", True),
        ("phone", "+351212345678", "home", False),
        ("phone", "+442079460958", "work", True),
    ]


def test_changed_email_replaces_the_point_the_wizard_removes(services: Services) -> None:
    """A typo fixed in the e-mail field: the old point removed (already moved aside), the
    new one labelled; a removal of a point already gone is no error."""
    ana = services.customers.create(CustomerCreate(first_name="Ana", email="ana@exmaple.pt"))
    old = services.contact_points.list(ana.id)[0].id or 0
    services.customers.update(ana.id, CustomerUpdate(
        email="ana@example.pt", removed_points=[old, 999_999],
        new_points=[PointCreate(kind="email", value="ana@example.pt", label="work",
                                is_primary=True)],
    ), expected_version=ana.version)  # fmt: skip
    assert _points(services, ana.id) == [("email", "ana@example.pt", "work", True)]


def test_a_refused_point_names_itself_and_writes_nothing(services: Services) -> None:
    """A bad value or label is refused naming the point; the customer is not saved."""
    with pytest.raises(ChildRefused) as refused:
        services.customers.create(CustomerCreate(first_name="Ana", points=[
            PointCreate(kind="email", value="ana@example.pt"),
            PointCreate(kind="phone", value="12", label="work")]))  # fmt: skip
    assert (refused.value.entity, refused.value.index, refused.value.field) == ("point", 1, "phone")
    assert services.customers.count() == 0
    ana = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt"))
    point = services.contact_points.list(ana.id)[0].id or 0
    with pytest.raises(ChildRefused) as refused:
        services.customers.update(ana.id, CustomerUpdate(
            point_edits=[PointEdit(id=point, changes=PointUpdate(label="pager"))]),
            expected_version=ana.version)  # fmt: skip
    assert (refused.value.entity, refused.value.row_id) == ("point", point)
    assert "pager" in refused.value.message
