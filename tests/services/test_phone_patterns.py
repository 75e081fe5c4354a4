"""phonenumbers keeping its compiled patterns (phones.py switches it on) reads, checks and
formats every region's numbers as compiling them at each use does."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType, re_util

from crm_tui.services import phones

TYPES = (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE)


def _numbers() -> Iterator[tuple[str, str]]:
    """(text, default region): every region's example numbers as a clerk types them, in
    E.164 and nationally, with one digit too many and too few."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            for text in (e164, national, e164 + "1", e164[:-1]):
                yield text, region


def _read_all() -> list[object]:
    out: list[object] = []
    for text, region in _numbers():
        try:
            e164, verified = phones.read_phone(text, region)
        except Exception as exc:  # noqa: BLE001 - the refusal is part of the result
            out.append((text, type(exc).__name__, str(exc)))
            continue
        number = phonenumbers.parse(text, region)
        out.append((text, e164, verified, phones.phone_search_forms(e164), phones.format_phone(e164),
                    phones.is_valid(number), phonenumbers.number_type(number),
                    phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)))  # fmt: skip
    return out


@pytest.mark.skipif(
    not hasattr(phonenumbers, "enable_pattern_cache"), reason="a phonenumbers without the switch"
)
def test_kept_patterns_give_the_results_of_fresh_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert getattr(re_util, "_COMPILED_PATTERNS", None) is not None, "phones.py keeps them"
    kept = _read_all()
    phones._parsed_plus.cache_clear()
    phones.format_phone.cache_clear()
    monkeypatch.setattr(re_util, "_COMPILED_PATTERNS", None)  # compiled at each use
    fresh = _read_all()
    assert len(kept) > 1_000
    assert kept == fresh
