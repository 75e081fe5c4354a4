"""Phone numbers: read in any common format (libphonenumber), stored as E.164, shown
internationally, and the digit strings a clerk may type to find one."""

from __future__ import annotations

import functools
import re

import phonenumbers

from crm_tui.services.errors import ValidationError
from crm_tui.services.phone_patterns import read_national, read_plus
from crm_tui.services.validation import clean_text

# phonenumbers compiles its metadata's patterns with re.compile at every use (a look-up
# in re's own cache, some twenty a number); asked to, it keeps them in a dict of its own:
# the same compiled patterns, so the same results (tests/services/test_phone_patterns.py),
# about 4 us of 35 a number read and formatted. Versions without the switch go on as before.
_keep_patterns = getattr(phonenumbers, "enable_pattern_cache", None)
if _keep_patterns is not None:
    _keep_patterns()


def parse_phone(raw: object, region: str, field: str = "phone") -> str | None:
    """Parse any common format and return E.164 (+447946000958)."""
    value = clean_text(field, raw, max_len=40)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            field,
            f"The phone number {value!r} could not be read; "
            "type it with its country code, e.g. +44 20 7946 0958.",
        ) from exc
    if not is_valid(number):
        raise ValidationError(
            field,
            f"The phone number {value!r} is not a valid number; check the digits and country code.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)  # ~70 µs a parse; the list shows the same rows again
def format_phone(e164: str | None) -> str:
    """How a stored number is shown: international format ("+44 7911 123456")."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_PLUS_DIGITS = re.compile(r"\+[0-9]+")
_NON_DIGITS = re.compile(r"\D")
_TEL = re.compile(r"^tel:", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _parsed_plus(value: str) -> phonenumbers.PhoneNumber:
    """A number written "+" and digits, parsed (shared: nobody changes what it returns).

    With the "+" the country code is the number's own, so any default region
    parses it the same way: an import's read_phone of a number written in
    E.164 and the phone_search_forms of its E.164 right after share a parse.
    """
    return phonenumbers.parse(value, None)


def phone_search_forms(e164: str) -> list[str]:
    """Digit strings a clerk might type for this number (international, national)."""
    plus = read_plus(e164)  # "+" and digits as parse reads them: patterns compiled once
    if plus is not None:
        numbers, nsn = plus
        return search_forms_from(e164, numbers.national(nsn))
    try:
        number = (
            _parsed_plus(e164) if _PLUS_DIGITS.fullmatch(e164) else phonenumbers.parse(e164, None)
        )
    except phonenumbers.NumberParseException:
        return [e164.lstrip("+")]
    return search_forms_of(e164, number)


def search_forms_of(e164: str, number: phonenumbers.PhoneNumber) -> list[str]:
    """phone_search_forms of `e164` when the caller holds it parsed already."""
    return search_forms_from(
        e164, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )


def search_forms_from(e164: str, national_format: str) -> list[str]:
    """phone_search_forms of `e164` when the caller holds its NATIONAL format already."""
    digits = e164.lstrip("+")
    forms = [digits]
    national = _NON_DIGITS.sub("", national_format)
    if national and national not in forms:
        forms.append(national)
    return forms


def is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """phonenumbers.is_valid_number(number), without checking the number twice.

    For a country code several regions share (+44: GB, GG, IM, JE; +1: US, CA
    and the Caribbean), is_valid_number first finds the number's region by
    checking it against each region's types in turn, then checks it against
    that region's types again (about 14 us of its 25 for +44 7400 000001). A
    region with no leading digits of its own is only ever found by that first
    check passing, so the number is valid for it. Tests compare this with
    is_valid_number (tests/services/test_phone_valid.py).
    """
    region = phonenumbers.region_code_for_number(number)
    if region is None:
        return False
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code or 0, ())
    if len(regions) > 1:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is not None and metadata.leading_digits is None:
            return True
    return bool(phonenumbers.is_valid_number_for_region(number, region))


def read_phone(raw: object, region: str, field: str = "phone") -> tuple[str, bool]:
    """A phone number as E.164 and whether it is valid, keeping one that is only possible.

    Imports keep what libphonenumber calls possible (the right length for its
    country) but not valid (+49 1234 56788): the number is the customer's
    own, and a clerk can check it; it is marked unverified.
    """
    value = clean_text(field, raw, max_len=40, required=True) or ""
    value = _TEL.sub("", value)
    # The common shapes, valid: as below at a fifth of the cost.
    plus = read_plus(value) if value[:1] == "+" else read_national(value, region)
    if plus is not None and plus[0].is_valid(plus[1]):
        return f"+{plus[0].code}{plus[1]}", True
    try:
        number = (
            _parsed_plus(value)
            if _PLUS_DIGITS.fullmatch(value)
            else phonenumbers.parse(value, region)
        )
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            field, f"The phone number {value!r} could not be read as a phone number."
        ) from exc
    if is_valid(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True
    if phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), False
    raise ValidationError(
        field,
        f"The phone number {value!r} has too few or too many digits for "
        f"{phonenumbers.region_code_for_number(number) or region}.",
    )
