"""Likely-duplicate checks used by quick add, on both engines."""

from __future__ import annotations

import pytest

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.merge.duplicates import SAME_EMAIL, SAME_PHONE, LikelyDuplicate
from crm_tui.services.registry import Services


@pytest.fixture
def ana(services: Services) -> int:
    created = services.customers.create(
        CustomerCreate(
            first_name="Ana",
            last_name="Lima",
            email="Ana.Lima@Example.pt",
            phone="+351 912 345 678",
        )
    )
    services.customers.create(
        CustomerCreate(first_name="Bruno", last_name="Costa", email="bruno@example.pt")
    )
    return created.id


def _ids(hits: list[LikelyDuplicate]) -> list[int]:
    return [h.id for h in hits]


def test_same_email_any_case(services: Services, ana: int) -> None:
    """The same e-mail in another case and with spaces is a duplicate."""
    hits = services.duplicates.find("Someone Else", None, "  ana.lima@EXAMPLE.PT ")
    assert _ids(hits) == [ana]
    assert SAME_EMAIL in hits[0].reasons
    assert hits[0].number == f"C-{ana:06d}"
    assert hits[0].email == "Ana.Lima@Example.pt"


def test_same_phone_any_format(services: Services, ana: int) -> None:
    """The same phone typed with 00, spaces and dashes is a duplicate."""
    hits = services.duplicates.find("Someone Else", "00351-912-345-678", None)
    assert _ids(hits) == [ana]
    assert hits[0].reasons == (SAME_PHONE,)


def test_similar_name_with_email_alike(services: Services, ana: int) -> None:
    """A similar name plus a near-identical e-mail local part is a likely duplicate."""
    hits = services.duplicates.find("Anna Lima", None, "ana.lima@gmail.com")
    assert _ids(hits) == [ana]
    assert hits[0].reasons[0].startswith("similar name")
    assert hits[0].similarity >= 85


def test_similar_name_with_phone_ending(services: Services, ana: int) -> None:
    """A similar name plus the same phone ending (number typed without country code) matches."""
    hits = services.duplicates.find("Ana Lyma", "912 345 678", None)
    assert _ids(hits) == [ana]
    assert "phone ends alike" in hits[0].reasons[0]


def test_similar_name_alone_is_not_enough(services: Services, ana: int) -> None:
    """A namesake with a different phone and e-mail is not flagged."""
    assert services.duplicates.find("Ana Lima", "+44 7700 900123", "al@other.org") == []


def test_nothing_matches(services: Services, ana: int) -> None:
    """A new person with new contact details has no duplicates."""
    assert services.duplicates.find("Carla Dias", "+44 20 7946 0958", "carla@x.org") == []


def test_exclude_and_erased(services: Services, ana: int) -> None:
    """The customer being edited and erased customers are never reported."""
    assert services.duplicates.find("x", None, "ana.lima@example.pt", exclude_id=ana) == []
    services.customers.erase(ana, confirm=f"C-{ana:06d}")
    assert services.duplicates.find("Ana Lima", "+351912345678", None) == []


def test_exact_matches_rank_first(services: Services, ana: int) -> None:
    """An e-mail match ranks before a phone match, and the list is capped."""
    other = services.customers.create(
        CustomerCreate(first_name="Rui", last_name="Sousa", phone="+44 20 7946 0958")
    )
    hits = services.duplicates.find("Rui Sousa", "+44 20 7946 0958", "ana.lima@example.pt")
    assert _ids(hits) == [ana, other.id]
    assert len(services.duplicates.find("x", "+44 20 7946 0958", None, limit=1)) == 1


def test_short_local_part_with_a_name_typo(services: Services, ana: int) -> None:
    """A short e-mail local part is paired with each name word, so one typo still matches."""
    services.customers.create(
        CustomerCreate(first_name="Rita", last_name="Lopes", email="ritl@a.pt")
    )
    hits = services.duplicates.find("Rita Lopez", None, "ritl@b.pt")
    assert [h.name for h in hits] == ["Rita Lopes"]


def test_odd_input_is_safe(services: Services, ana: int) -> None:
    """Quotes, wildcards and unparseable numbers neither fail nor match everything."""
    assert services.duplicates.find('a"b%_\\', "abc", '"%@_') == []
    assert services.duplicates.find("", None, None) == []
