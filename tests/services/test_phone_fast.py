"""read_phone and phone_search_forms read "+" and digits from patterns compiled once
(phone_patterns.read_plus) and give what phonenumbers gives: the same E.164, verdict,
search forms and refusal, on every region's numbers and on any text."""

from __future__ import annotations

import random
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crm_tui.services import phones
from crm_tui.services.errors import ValidationError
from crm_tui.services.phone_patterns import country_numbers, read_national, read_plus

CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
GEOGRAPHIC = [c for c in CODES if "001" not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[c]]


def _both(value: str, region: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """(read_phone and its search forms with the fast path, the same through phonenumbers)."""

    def outcome() -> object:
        phones._parsed_plus.cache_clear()
        try:
            e164, verified = phones.read_phone(value, region)
        except ValidationError as exc:
            return ("refused", exc.field, exc.message)
        return e164, verified, phones.phone_search_forms(e164)

    fast = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(phones, "read_plus", lambda _text: None)
        patch.setattr(phones, "read_national", lambda _text, _region: None)
        slow = outcome()
    return fast, slow


def _examples() -> Iterator[tuple[str, str]]:
    """Every region's example of every type, written as a clerk or a shop exports it."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            if kind == PhoneNumberType.UNKNOWN:
                continue
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            spaced = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
            for text in (e164, spaced, spaced.replace(" ", "-"), e164 + "1", e164[:-1],
                         e164[:3] + "0" + e164[3:], e164[:2] + "0" + e164[2:]):  # fmt: skip
                yield text, region
            national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
            digits = phonenumbers.normalize_digits_only(national)
            for text in (national, digits, national.replace(" ", "-"), digits + "1", digits[:-1],
                         "0" + digits, digits[1:], e164[1:], "00" + e164[1:]):  # fmt: skip
                yield text, region
                yield text, "GB" if region != "GB" else "US"


def test_every_example_number(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = 0
    for text, region in _examples():
        fast, slow = _both(text, region, monkeypatch)
        assert fast == slow, text
        taken += (read_plus(text) or read_national(text, region)) is not None
    assert taken > 2_000  # the fast path was taken, not only fallen back from


def test_the_benchmark_and_shop_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import benchmark's numbers (+44 74...), and the shapes shops export."""
    values = [f"+447{400000000 + i:09d}" for i in range(0, 50_000, 37)]
    values += ["+44 7700 900123", "+1 416-555-0123", "+33 6 12 34 56 78", "+4407400000001",
               "+44 (0) 7400 000001", "+1800200300", "+44 180020 1234", "+39 06 1234 5678",
               "+80012345678", "+8821234567", "+0 44 7400 000001", "+44", "+4", "+44 1",
               # valid as written, but parse strips Belarus' national prefix 8 (and 10)
               "+375 810 1524509", "+3758102949119", "+3758108011234",
               # extensions: parse leaves them out of the number
               "+49 30 1234567x8", "+49 30 1234567 ext 8", "+1 416 555 0123 x12",
               "+44 7400 000001#", "+447400000001;ext=12", "+49 30 12345-67#"]  # fmt: skip
    for value in values:
        fast, slow = _both(value, "GB", monkeypatch)
        assert fast == slow, value
    for value, region in [("07700 900123", "GB"), ("020 7946 0958", "GB"), ("415-555-0123", "US"),
                          ("0170 1234567", "DE"), ("00 44 7700 900123", "GB"), ("011 44 7700 900123", "US"),
                          ("44 7700 900123", "GB"), ("1 415 555 0123", "US"), ("0 7700 900123", "GB"),
                          ("06 1234 5678", "IT"), ("358101123", "AX"), ("29089", "TA"), ("011 15 1234 5678", "AR"), ("0800 123 4567", "GB")]:  # fmt: skip
        fast, slow = _both(value, region, monkeypatch)
        assert fast == slow, (value, region)
    assert read_national("07700 900123", "GB") is not None
    assert read_plus("+447400000001") is not None
    assert read_plus("+44 7700 900123") is not None


@settings(max_examples=3000, deadline=None, database=None)
@given(
    st.from_regex(r"\+[0-9]{1,3}[0-9 -]{0,18}", fullmatch=True),
    st.sampled_from(["GB", "US", "IT", "DE"]),
)
def test_any_plus_text(value: str, region: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(value, region, monkeypatch)
    assert fast == slow


@settings(max_examples=4000, deadline=None, database=None)
@given(
    st.from_regex(r"[0-9]{1,4}([ -]?[0-9]{1,5}){0,4}", fullmatch=True),
    st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
)
def test_any_national_text(value: str, region: str) -> None:
    """Digits with gaps in any region (the national fast path's shape and its near misses)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(value, region, monkeypatch)
    assert fast == slow


@settings(max_examples=3000, deadline=None, database=None)
@given(st.sampled_from(GEOGRAPHIC), st.from_regex(r"[0-9]{2,17}", fullmatch=True))
def test_any_code_any_digits(code: int, digits: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(f"+{code}{digits}", "US", monkeypatch)
    assert fast == slow


@settings(max_examples=2000, deadline=None, database=None)
@given(st.text(alphabet="+0123456789 -()x#.;,e", max_size=24))
def test_hostile_text(value: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(value, "GB", monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("code", GEOGRAPHIC)
def test_compiled_patterns_of_every_code(code: int) -> None:
    """National digits of every length, valid or not: phones.is_valid's verdict and
    phonenumbers' NATIONAL format, for every geographic country code."""
    numbers, rng = country_numbers(code), random.Random(code)
    main = phonenumbers.region_code_for_country_code(code)
    samples = []
    for kind in range(12):
        example = phonenumbers.example_number_for_type(main, kind)
        if example is not None:
            samples.append(str(example.national_number))
    for _ in range(400):
        length = rng.randint(2, 17)
        samples.append(str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=length - 1)))
    for nsn in samples:
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
        assert numbers.is_valid(nsn) == phones.is_valid(number), nsn
        assert numbers.national(nsn) == phonenumbers.format_number(
            number, PhoneNumberFormat.NATIONAL
        ), nsn


FORMATS = [(code, index) for code in GEOGRAPHIC
           for index in range(len(country_numbers(code)._formats))]  # fmt: skip


@settings(max_examples=1500, deadline=None, database=None)
@given(st.data())
def test_formats_write_as_sub(data: st.DataObject) -> None:
    """Every formatting pattern of every code writes any text it matches as re.sub does."""
    code, index = data.draw(st.sampled_from(FORMATS))
    fmt = country_numbers(code)._formats[index]
    nsn = data.draw(st.from_regex(fmt.pattern, fullmatch=True) | st.from_regex(r"[0-9]{2,17}"))
    assert fmt.written(nsn) == fmt.pattern.sub(fmt.rule, nsn)
