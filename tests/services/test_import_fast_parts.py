"""The import's shortcuts give what the long way gives: a street's one line, an address
cleaned, and a row's values picked with each column's header-only answers worked out once."""

from __future__ import annotations

from typing import Any

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.services.customers.addresses import _FIELD_SET, _KINDS, clean_address
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.mapping import Mapping, pick, recognise
from crm_tui.services.imports.rows import _one_line
from crm_tui.services.validation import clean_text, parse_choice

BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\t\x00 "


@settings(max_examples=3000, deadline=None, database=None)
@given(st.none() | st.text(alphabet=st.characters() | st.sampled_from(BREAKS), max_size=30))
def test_one_line(text: str | None) -> None:
    assert _one_line(text) == ", ".join(p.strip() for p in (text or "").splitlines() if p.strip())


def _clean_address_long_way(raw: dict[str, Any]) -> dict[str, Any]:
    """clean_address as it was written before its shortcuts (every value through its rule)."""
    unknown = raw.keys() - _FIELD_SET
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown address field {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if field == "kind":
            out[field] = parse_choice(value, field, _KINDS)
        elif field == "country":
            code = (clean_text(field, value, required=True, max_len=2) or "").upper()
            if code not in phonenumbers.SUPPORTED_REGIONS:
                raise ValidationError(
                    field, f"The country {code!r} is not an ISO code; use e.g. GB, PT, US."
                )
            out[field] = code
        elif field == "is_default_billing":
            out[field] = bool(value)
        else:
            out[field] = clean_text(field, value, required=field in ("line1", "city"), max_len=200)
    for field in ("line1", "city"):
        if not out.get(field):
            raise ValidationError(
                field, f"The {field.replace('line1', 'first address line')} is required."
            )
    return out


VALUES = st.none() | st.sampled_from(
    ["", " ", "x", " 5 High St ", "\x00", "4111 1111 1111 1111", 7]
)
KINDS = st.none() | st.sampled_from(["billing", "shipping", " Billing", "SHIPPING", "home", "", 3])


@settings(max_examples=3000, deadline=None, database=None)
@given(
    st.fixed_dictionaries(
        {"line1": VALUES, "city": VALUES, "country": st.sampled_from(["GB", "gb", "XX", None])},
        optional={
            "kind": KINDS,
            "line2": VALUES,
            "region": VALUES,
            "postal_code": VALUES,
            "is_default_billing": VALUES,
        },  # fmt: skip
    )
)
def test_clean_address(raw: dict[str, Any]) -> None:
    def outcome(clean: Any) -> object:
        try:
            return clean(dict(raw))
        except ValidationError as exc:
            return (exc.field, exc.message)

    assert outcome(clean_address) == outcome(_clean_address_long_way)


HEADERS = [
    ["Name", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value",
     "Address 1 - Label", "Address 1 - Street", "Address 1 - City", "Custom Field 1 - Label",
     "Custom Field 1 - Value", "Mobile Phone", "Shipping City", "Favourite colour", "Notes"],
    ["First Name", "Last Name", "Email", "Phone", "Default Address Address1",
     "Default Address City", "Default Address Country Code", "Shipping Address1", "Shipping City",
     "Custom field - Size", "", "Home Phone", "Business Phone", "Tags", "Shipping Address Line1",
     "Shipping Address City"],
]  # fmt: skip


def _long_way(mapping: Mapping) -> Mapping:
    """The same mapping with nothing worked out from its headers alone (as pick was)."""
    slow = Mapping(mapping.columns, mapping.product)
    slow.__dict__["plan"] = tuple((c, t, n, None) for c, t, n, _ in mapping.plan)
    return slow


@settings(max_examples=1500, deadline=None, database=None)
@given(st.sampled_from(HEADERS), st.data())
def test_pick(headers: list[str], data: st.DataObject) -> None:
    cell = st.sampled_from(["", " ", "x@example.com", "* Work", "Home", "+44 7400 000001",
                            "Shipping", "other", "'007", "a ::: b", "London"])  # fmt: skip
    cells = data.draw(st.lists(cell, min_size=len(headers) - 2, max_size=len(headers) + 1))
    mapping = recognise(headers)
    assert pick(mapping, cells) == pick(_long_way(mapping), cells)
