"""read_phone and phone_search_forms share the parse of a number written "+" and digits:
the results are libphonenumber's own for every default region."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import phone_search_forms, read_phone

REGIONS = ("GB", "US", "DE", "IT", "FR", "AR", "BR", "IN", "AU", "JP")
NUMBERS = (
    "+447400000001", "+4407400000001", "+390612345678", "+3903123456", "+12025550123",
    "+4915123456789", "+491234567", "+5491123456789", "+80012345678", "+61412345678",
    "+819012345678", "+33612345678", "+1", "+999123456", "+44", "+4420",
)  # fmt: skip


def _reference(value: str, region: str) -> tuple[str, bool] | None:
    """read_phone's rule with libphonenumber parsing in the given region, nothing shared."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number):
        return e164, True
    return (e164, False) if phonenumbers.is_possible_number(number) else None


def _forms(e164: str) -> list[str]:
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(ch for ch in national if ch.isdigit())
    return [e164.lstrip("+"), *([digits] if digits and digits != e164.lstrip("+") else [])]


def _check(value: str) -> None:
    for region in REGIONS:
        expected = _reference(value, region)
        if expected is None:
            with pytest.raises(ValidationError):
                read_phone(value, region)
            continue
        assert read_phone(value, region) == expected, (value, region)
        assert phone_search_forms(expected[0]) == _forms(expected[0])


@pytest.mark.parametrize("value", NUMBERS)
def test_known_shapes(value: str) -> None:
    _check(value)


@given(st.from_regex(r"\+[1-9][0-9]{5,15}", fullmatch=True))
def test_any_plus_digits(value: str) -> None:
    _check(value)
