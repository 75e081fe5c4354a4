"""Tags: create, rename, recolour, merge and delete, with counts and customer history."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import ChangeRecord
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.registry import Services
from crm_tui.services.segments.rules import parse_rules


def tag_lines(services: Services, customer_id: int) -> list[tuple[str | None, str | None]]:
    with services.ctx.read() as session:
        rows = session.execute(
            select(col(ChangeRecord.old_value), col(ChangeRecord.new_value))
            .where(col(ChangeRecord.customer_id) == customer_id, col(ChangeRecord.field) == "tag")
            .order_by(col(ChangeRecord.id))
        ).all()
    return [(r[0], r[1]) for r in rows]


@pytest.fixture
def people(services: Services) -> dict[str, int]:
    c = services.customers
    return {
        "ana": c.create(
            CustomerCreate(first_name="Ana", email="ana@example.com", tags=["vip", "eco"])
        ).id,
        "bob": c.create(
            CustomerCreate(first_name="Bob", email="bob@example.com", tags=["VIP-old"])
        ).id,
        "cy": c.create(
            CustomerCreate(first_name="Cy", email="cy@example.com", tags=["vip", "vip-old"])
        ).id,
    }


def counts(services: Services) -> dict[str, int]:
    return {t.name: t.customers for t in services.tags.list()}


def test_list_with_counts(services: Services, people: dict[str, int]) -> None:
    """Every tag with how many customers carry it, unused ones included, sorted by name."""
    services.tags.create("unused", color="red")
    assert counts(services) == {"eco": 1, "unused": 0, "vip": 2, "VIP-old": 2}
    assert [t.color for t in services.tags.list() if t.name == "unused"] == ["red"]


def test_create_validates(services: Services, people: dict[str, int]) -> None:
    """Names are unique ignoring case; colours come from the palette; commas are refused."""
    with pytest.raises(ValidationError, match="already a tag called 'vip'"):
        services.tags.create("VIP")
    with pytest.raises(ValidationError, match="Choose a colour"):
        services.tags.create("new", color="[red]")
    with pytest.raises(ValidationError, match="comma"):
        services.tags.create("a,b")
    with pytest.raises(ValidationError, match="required"):
        services.tags.create("   ")


def test_rename_records_history_and_rewrites_rules(
    services: Services, people: dict[str, int]
) -> None:
    """Renaming writes a history line per tagged customer and keeps segment rules pointing at it."""
    vip = next(t for t in services.tags.list() if t.name == "vip")
    segment = services.segments.create(
        "VIPs",
        kind="dynamic",
        rules={"match": "all", "rules": [{"field": "tag", "op": "eq", "value": "VIP"}]},
    )
    renamed = services.tags.rename(vip.id, "Very important")
    assert (renamed.name, renamed.customers) == ("Very important", 2)
    assert tag_lines(services, people["ana"])[-1] == ("vip", "Very important")
    assert tag_lines(services, people["bob"]) == []
    rules = services.segments.get(segment.id).rules
    assert rules == parse_rules(
        {"match": "all", "rules": [{"field": "tag", "op": "eq", "value": "Very important"}]}
    )
    assert services.segments.count(segment.id) == 2
    # A change of case only is a rename too; another tag's name is refused.
    assert services.tags.rename(vip.id, "VERY IMPORTANT").name == "VERY IMPORTANT"
    with pytest.raises(ValidationError, match="merge the two"):
        services.tags.rename(vip.id, "eco")


def test_recolor(services: Services, people: dict[str, int]) -> None:
    """A new colour from the palette; the customers' history is untouched."""
    eco = next(t for t in services.tags.list() if t.name == "eco")
    assert services.tags.recolor(eco.id, "Green").color == "green"
    assert tag_lines(services, people["ana"]) == []


def test_merge(services: Services, people: dict[str, int]) -> None:
    """Merging moves customers to the survivor, once each, and deletes the merged tag."""
    tags = {t.name: t.id for t in services.tags.list()}
    segment = services.segments.create(
        "Old",
        kind="dynamic",
        rules={
            "match": "any",
            "rules": [{"field": "tag", "op": "in", "value": ["vip-old", "eco"]}],
        },
    )
    result = services.tags.merge([tags["VIP-old"]], tags["vip"])
    assert (result.moved, result.already_tagged, result.segments_updated) == (1, 1, 1)
    assert counts(services) == {"eco": 1, "vip": 3}
    assert services.customers.get(people["bob"]).tags == ("vip",)
    assert services.customers.get(people["cy"]).tags == ("vip",)
    assert tag_lines(services, people["bob"])[-1] == ("VIP-old", "vip")
    assert tag_lines(services, people["cy"])[-1] == ("VIP-old", None)
    stored = services.segments.get(segment.id).rules
    assert stored is not None and stored.rules[0].value == ["vip", "eco"]
    with pytest.raises(ValidationError, match="at least one other tag"):
        services.tags.merge([tags["vip"]], tags["vip"])


def test_delete_reports_usage(services: Services, people: dict[str, int]) -> None:
    """Usage (customers and segments) is known before a delete; the delete records history."""
    vip = next(t for t in services.tags.list() if t.name == "vip")
    services.segments.create(
        "VIPs",
        kind="dynamic",
        rules={"match": "all", "rules": [{"field": "tag", "op": "eq", "value": "vip"}]},
    )
    usage = services.tags.usage(vip.id)
    assert (usage.customers, usage.segments) == (2, ("VIPs",))
    assert services.tags.delete(vip.id) == 2
    assert "vip" not in counts(services)
    assert services.customers.get(people["ana"]).tags == ("eco",)
    assert tag_lines(services, people["ana"])[-1] == ("vip", None)
    with pytest.raises(NotFound):
        services.tags.delete(vip.id)
