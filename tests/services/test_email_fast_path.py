"""The e-mail fast path says yes only where email-validator says yes (one rule, two speeds)."""

from __future__ import annotations

import unicodedata

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.services.emails import parse_email, plainly_valid_email
from crm_tui.services.errors import ValidationError

ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~"
# Accented letters inside and just outside the fast path's range (× ÷ ɐ), a combining
# accent (it would join its neighbour), a Greek and a Hangul letter.
ACCENTED = "éÀÖØöøÿĀſƀǅȳɏ×÷ɐ\u0301αᄀ"
LOCALS = st.text(alphabet=ATEXT + ACCENTED + '.é"\\ @<>()[],;:', min_size=0, max_size=70)
DOMAINS = st.one_of(
    st.sampled_from(
        [
            "example.com",
            "EXAMPLE.COM",
            "example",
            "localhost",
            "a.b",
            "x.y.z.co.uk",
            "-a.com",
            "a-.com",
            "a..com",
            ".com",
            "com.",
            "1.2.3.4",
            "example.123",
            "xn--bcher-kva.example",
            "xn--zz.example",
            "bücher.example",
            "a_b.com",
            "[127.0.0.1]",
            "example.invalid",
            "test",
            "example.local",
            "x" * 63 + ".com",
            "x" * 64 + ".com",
            ("a" * 60 + ".") * 4 + "com",
        ]
    ),  # fmt: skip
    st.text(alphabet="abz09-.", min_size=0, max_size=30),
)


def _accepted(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@settings(max_examples=3000, deadline=None, database=None)
@given(LOCALS, DOMAINS)
def test_fast_yes_is_a_validator_yes(local: str, domain: str) -> None:
    """Any address the fast path passes, email-validator passes too."""
    address = f"{local}@{domain}"
    if plainly_valid_email(address):
        assert _accepted(address), address


@pytest.mark.parametrize(
    "address",
    ["ann@example.com", "o'brien+tag@mail.example.co.uk", "A.B.C@EXAMPLE.COM", "x@a.io",
     "{x}|~@example.org", "a" * 64 + "@example.com", "chloé.1@example.com", "josé@example.com",
     "müller.garcía@example.co.uk", "ÀÿĀɏ@example.com"],
)  # fmt: skip
def test_common_addresses_take_the_fast_path(address: str) -> None:
    """Plain addresses take the fast path (it is not a path nothing takes)."""
    assert plainly_valid_email(address)
    assert _accepted(address)


@pytest.mark.parametrize(
    "address",
    ["broken@", "@example.com", "a..b@example.com", ".a@example.com", "a@-example.com",
     "a@example", "a@localhost", "ann@bücher.example", "\"a b\"@example.com",
     "Ann <ann@example.com>", "a@[127.0.0.1]", "a@" + ("a" * 60 + ".") * 5 + "com",
     "a" * 250 + "@example.com", "é" * 125 + "@example.com", "a×b@example.com",
     "e\u0301@example.com", "\u0301e@example.com", "αβ@example.com", "josé.@example.com"],
)  # fmt: skip
def test_everything_else_goes_to_the_validator(address: str) -> None:
    """Unusual or bad addresses get email-validator's own verdict and message."""
    assert not plainly_valid_email(address)
    if _accepted(address):
        assert parse_email(address) == address
    else:
        with pytest.raises(ValidationError, match="is not valid"):
            parse_email(address)


LATIN = [chr(code) for code in range(0xC0, 0x250) if chr(code) not in "×÷"]


def test_every_accented_letter_of_the_fast_path_is_one_the_validator_takes() -> None:
    """Each letter of the range, alone and beside ASCII, passes both ways."""
    for letter in LATIN:
        for address in (f"{letter}@example.com", f"a.{letter}{letter}b@example.com"):
            assert plainly_valid_email(address), address
            assert _accepted(address), address


def test_no_two_accented_letters_join_under_normalisation() -> None:
    """What makes a local part of them one email-validator keeps as written: every letter
    is its own NFC form, and no two of them (or one and an ASCII character) compose."""
    ascii_parts = list(ATEXT + ".")
    for first in LATIN:
        assert unicodedata.normalize("NFC", first) == first
        assert unicodedata.category(first).startswith("L")
        for second in (*LATIN, *ascii_parts):
            for pair in (first + second, second + first):
                assert unicodedata.normalize("NFC", pair) == pair, pair
