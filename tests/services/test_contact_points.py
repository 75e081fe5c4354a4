"""Several e-mails, phones and web addresses per customer: stored, found, merged, migrated."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.service import ImportService
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services

REAL = Path(__file__).resolve().parent.parent / "data" / "real"


@pytest.fixture
def engine_at_0005(empty_url: str) -> Iterator[Engine]:
    """An empty database built up to the revision before contact points (0006)."""
    engine = make_engine(empty_url)
    migrate.upgrade(engine, "0005")
    yield engine
    engine.dispose()


def _points(services: Services, customer_id: int) -> list[tuple[str, str, str, bool]]:
    return [
        (p.kind, p.value, p.label, p.is_primary) for p in services.contact_points.list(customer_id)
    ]


def test_iphone_card_keeps_every_phone_with_its_label(services: Services, tmp_path: Path) -> None:
    """An iPhone card's seven phones, e-mail and web address are all kept, first as primary."""
    shutil.copy(REAL / "ezvcard_John_Doe_IPHONE.vcf", tmp_path / "iphone.vcf")
    summary = ImportService(services.ctx).run(tmp_path / "iphone.vcf")
    assert summary.created == 1 and "Phone 2 - Value" not in summary.not_imported
    john = services.customers.resolve("john.doe@ibm.com")
    points = _points(services, john.id)
    phones = [(value, label, primary) for kind, value, label, primary in points if kind == "phone"]
    assert len(phones) == 7
    assert phones[0] == ("+19055551234", "mobile", True) and john.phone == "+19055551234"
    assert ("+19056661234", "home", False) in phones and ("+19057771234", "work", False) in phones
    assert ("web", "http://www.ibm.com", "home", True) in points
    unverified = [p.value for p in services.contact_points.list(john.id) if not p.verified]
    assert unverified == ["+19051111234"]  # 905-111: the right length, not a number in use


def test_search_lookup_and_quick_add_match_every_point(services: Services, tmp_path: Path) -> None:
    """A second e-mail or phone finds the customer in search and in the duplicate check."""
    path = tmp_path / "two.csv"
    path.write_text(
        "First Name,Last Name,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Value,Phone 2 - Value\n"
        "Ana,Lima,ana@example.pt,ana.lima@work.example.pt,+351912345678,+44 20 7946 0958\n",
        encoding="utf-8",
    )
    ImportService(services.ctx).run(path)
    ana = services.customers.resolve("ana@example.pt")
    for query in ("ana.lima@work.example.pt", "020 7946 0958", "+442079460958"):
        assert [r.id for r in services.search.search(query).rows] == [ana.id], query
    hits = services.duplicates.find("Someone Else", phone="020 7946 0958")
    assert [h.id for h in hits] == [ana.id] and "same phone" in hits[0].reasons
    hits = services.duplicates.find("", email="ANA.LIMA@work.example.pt")
    assert [h.id for h in hits] == [ana.id] and "same e-mail" in hits[0].reasons


def test_add_label_primary_and_remove(services: Services) -> None:
    """A clerk adds, labels, makes primary and removes points; the customer's e-mail follows."""
    ana = services.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", email="ana@example.pt")
    )
    other = services.customers.create(
        CustomerCreate(first_name="Ben", last_name="Ode", email="ben@example.com")
    )
    work = services.contact_points.add(ana.id, "email", "ana@work.example.pt", "work")
    services.contact_points.add(ana.id, "phone", "07911 123456", "mobile")
    assert services.customers.get(ana.id).phone == "+447911123456"  # the first phone is primary
    with pytest.raises(ValidationError, match="already has"):
        services.contact_points.add(ana.id, "email", "ANA@work.example.pt")
    services.contact_points.relabel(work.id or 0, "home")
    services.contact_points.set_primary(work.id or 0)
    assert services.customers.get(ana.id).email == "ana@work.example.pt"
    assert services.customers.resolve("ana@work.example.pt").id == ana.id
    taken = services.contact_points.add(ana.id, "email", "ben@example.com")
    with pytest.raises(ValidationError, match="another customer's e-mail"):
        services.contact_points.set_primary(taken.id or 0)
    services.contact_points.remove(work.id or 0)  # the old primary takes over again
    assert services.customers.get(ana.id).email == "ana@example.pt"
    assert other.id != ana.id
    with pytest.raises(ValidationError, match="label"):
        services.contact_points.add(ana.id, "phone", "07911 654321", "fax")


def test_merge_brings_the_losers_points(services: Services) -> None:
    """Merging keeps the survivor's primaries and brings the others' e-mails and phones."""
    keep = services.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana@example.pt", phone="+351912345678"
        )  # fmt: skip
    )
    lose = services.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana.l@example.com", phone="+351912345678"
        )  # fmt: skip
    )
    MergeService(services.ctx).merge([keep.id, lose.id], keep=keep.id)
    points = _points(services, keep.id)
    assert ("email", "ana@example.pt", "other", True) in points
    assert ("email", "ana.l@example.com", "other", False) in points
    assert [p for p in points if p[0] == "phone"] == [("phone", "+351912345678", "other", True)]
    assert [r.id for r in services.search.search("ana.l@example.com").rows] == [keep.id]


def test_migration_moves_single_values_in_as_primaries(engine_at_0005: Engine) -> None:
    """0006 turns each customer's e-mail, phone and website into its primary points."""
    with engine_at_0005.begin() as conn:
        conn.execute(text(
            "INSERT INTO customer (id, kind, status, first_name, email, email_key, phone, "
            "phone_digits, website, sort_name, loyalty_points, contact_channels, created_at, "
            "updated_at, version) VALUES (1, 'business', 'active', 'Ana', 'Ana@Example.pt', "
            "'ana@example.pt', '+351912345678', '351912345678', 'https://Example.pt', 'ana', 0, "
            "'', '2024-01-01 00:00:00+00:00', '2024-01-01 00:00:00+00:00', 1)"
        ))  # fmt: skip
    migrate.upgrade(engine_at_0005)
    with engine_at_0005.connect() as conn:
        rows = conn.execute(text(
            "SELECT kind, value, value_key, label, is_primary FROM contact_point ORDER BY kind"
        )).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("email", "Ana@Example.pt", "ana@example.pt", "other", True),
        ("phone", "+351912345678", "351912345678", "other", True),
        ("web", "https://Example.pt", "https://example.pt", "other", True),
    ]
