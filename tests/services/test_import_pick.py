"""`pick` over one row: every branch of its column plan, pinned value by value."""

from __future__ import annotations

import pickle

from crm_tui.services.imports.mapping import (
    Picked,
    address_kind_of,
    apply_overrides,
    pick,
    recognise,
)

HEADERS = [
    "First Name", "Last Name", "E-mail 1 - Label", "E-mail 1 - Value", "Phone", "Mobile Phone",
    "Address 1 - Street", "Address 1 - City", "Address 1 - Postal Code", "Birthday", "Notes",
    "Favourite colour", "Shoe size", "Company", "Organization",
]  # fmt: skip


def _picked(cells: list[str]) -> Picked:
    mapping = apply_overrides(recognise(HEADERS), {"Shoe size": "ignore"})
    return pick(mapping, cells)


def test_pick_takes_each_kind_of_column() -> None:
    """Labels go with their value, apostrophes an export adds are undone, a no-value
    marker and blank cells count for nothing, cells past the last header are not read,
    and a second column for one field is left over by rank."""
    cells = [
        " Ana ", "Lima", "* Work", "ana@example.com ::: ana@home.example", "'+351 912 345 678",
        "   ", "'=1+1 Main St", "Lisboa", "'01234", "0/0/00", "Call after 5",
        "'teal", "42", "Lima Lda", "Lima Holdings", "past the headers",
    ]  # fmt: skip
    picked = _picked(cells)
    assert picked.values == {
        "first_name": "Ana", "last_name": "Lima", "company_name": "Lima Lda",
        "email": "ana@example.com", "phone": "+351 912 345 678",
    }  # fmt: skip
    assert picked.points == {
        "email": [("ana@example.com", "work", "E-mail 1 - Value"),
                  ("ana@home.example", "work", "E-mail 1 - Value")],
        "phone": [("+351 912 345 678", "", "Phone")],
    }  # fmt: skip
    assert picked.addresses == [{
        "address_line1": "=1+1 Main St", "address_line1.header": "Address 1 - Street",
        "kind": "billing", "city": "Lisboa", "city.header": "Address 1 - City",
        "postal_code": "01234", "postal_code.header": "Address 1 - Postal Code",
    }]  # fmt: skip
    assert picked.notes == [{"note": "Call after 5", "note.header": "Notes"}]
    assert picked.leftovers == [("Shoe size", "42"), ("Organization", "Lima Holdings")]
    assert picked.custom == [("Favourite colour", "'teal")]
    assert picked.repeated == []
    assert picked.value_count == 12


def test_pick_after_the_mapping_travels() -> None:
    """A mapping pickled to the import's reading process picks the same values."""
    mapping = recognise(HEADERS)
    cells = ["Ben", "", "", "ben@example.com", "", "+44 7400 123456", "", "", "", "", "", "", "",
             "", ""]  # fmt: skip
    before = pick(mapping, cells)
    assert pick(pickle.loads(pickle.dumps(mapping)), cells) == before
    assert before.values == {"first_name": "Ben", "email": "ben@example.com",
                             "phone": "+44 7400 123456"}  # fmt: skip


def test_address_kind_remembered_answers_as_asked_afresh() -> None:
    """The kind of address a header or label names, remembered per text, is what the
    pattern says each time (shipping and delivery words in any case, else billing)."""
    texts = ["Shipping Address 1", "Default Address Address1", "DELIVERY city", "Ship To Zip",
             "Parcel locker", "Billing street", "Address 2 - Label", "", "shipping", "relationship"]  # fmt: skip
    asked = [address_kind_of(text) for text in texts]
    assert asked == [address_kind_of.__wrapped__(text) for text in texts]
    assert asked == [address_kind_of(text) for text in texts]  # remembered: the same again
    assert asked[:5] == ["shipping", "billing", "shipping", "shipping", "shipping"]
    stripe = recognise(["Name", "Shipping Address Line1", "Shipping Address City"])
    picked = pick(stripe, ["Ana Lima", "1 Rua", "Porto"])
    assert [group["kind"] for group in picked.addresses] == ["shipping"]
