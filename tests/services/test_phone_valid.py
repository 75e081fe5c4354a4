"""phones.is_valid answers as phonenumbers.is_valid_number does, above all for the country
codes several regions share (where it skips the library's second check)."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.services.phones import is_valid

SHARED = sorted(c for c, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
                if len(regions) > 1)  # fmt: skip
TYPES = [t for t in range(12) if t != phonenumbers.PhoneNumberType.UNKNOWN]


def _examples() -> list[phonenumbers.PhoneNumber]:
    """libphonenumber's example number of every type of every region, valid and not."""
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                out.append(number)
        invalid = phonenumbers.invalid_example_number(region)
        if invalid is not None:
            out.append(invalid)
    return out


def test_every_example_number() -> None:
    """Every region's example of every type (and its invalid example) is judged alike."""
    examples = _examples()
    assert len(examples) > 1000
    assert sum(1 for n in examples if n.country_code in SHARED) > 100
    for number in examples:
        assert is_valid(number) == phonenumbers.is_valid_number(number), number
    # Not a path nothing takes: shared codes with numbers valid in a later region.
    canada = phonenumbers.parse("+1 416 555 0123", None)
    jersey = phonenumbers.parse("+44 7797 712345", None)
    assert is_valid(canada) and is_valid(jersey)
    assert phonenumbers.region_code_for_number(jersey) == "JE"


@settings(max_examples=3000, deadline=None, database=None)
@given(st.sampled_from(SHARED), st.from_regex(r"[0-9]{2,17}", fullmatch=True))
def test_shared_codes_any_digits(code: int, digits: str) -> None:
    """Any digits after a shared country code are judged as is_valid_number judges them."""
    try:
        number = phonenumbers.parse(f"+{code}{digits}", None)
    except phonenumbers.NumberParseException:
        return
    assert is_valid(number) == phonenumbers.is_valid_number(number)


@settings(max_examples=1000, deadline=None, database=None)
@given(st.from_regex(r"\+[1-9][0-9]{3,16}", fullmatch=True))
def test_any_code_any_digits(value: str) -> None:
    """Any '+' and digits, whatever the code, is judged alike."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return
    assert is_valid(number) == phonenumbers.is_valid_number(number)
