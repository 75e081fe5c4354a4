"""The card-number detector: every network in any spacing, almost no ordinary numbers.

The generated sets live in benchmarks/card_sets.py; `python -m benchmarks.cards_bench`
measures the same thing on larger sets and prints the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crm_tui.services.card_numbers import contains_card_number, mask_card_numbers

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root
from benchmarks.card_sets import (  # noqa: E402
    NETWORKS,
    TEST_NUMBERS,
    card_texts,
    luhn_complete,
    ordinary_texts,
    random_card,
)

MAX_FALSE_POSITIVE_RATE = 0.001


def test_every_generated_card_number_is_found() -> None:
    """Every card text is flagged, save a 13-14 digit number written as a valid "+" phone.

    "+49 2755 1435 9" is a Luhn-valid card number and a valid German phone
    number at once; the detector reads a "+" run that is a valid phone as a
    phone (the documented exception), so such texts may pass.
    """
    import phonenumbers

    texts = card_texts(4_200)
    missed = [t for t in texts if not contains_card_number(t)]
    print(f"\ncard detector recall: {len(texts) - len(missed)}/{len(texts)} card texts flagged")
    phones = [t for t in missed if t.startswith("+") and phonenumbers.is_valid_number(
        phonenumbers.parse("+" + "".join(ch for ch in t if ch.isdigit())))]  # fmt: skip
    assert missed == phones
    assert len(phones) <= len(texts) // 1000


def test_ordinary_digit_strings_are_rarely_flagged() -> None:
    """At most 0.1% of phones, order numbers and IBAN fragments are flagged, per kind."""
    sets = ordinary_texts(9_000)
    report = []
    for name, texts in (("phones", sets.phones), ("orders", sets.orders), ("ibans", sets.ibans)):
        flagged = [t for t in texts if contains_card_number(t)]
        report.append(f"{name} {len(flagged)}/{len(texts)}")
        assert len(flagged) <= MAX_FALSE_POSITIVE_RATE * len(texts), (name, flagged[:10])
    print("\ncard detector false positives: " + ", ".join(report))


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_each_network_in_each_length(network: str) -> None:
    """Random valid numbers of each network are found; one changed digit is not."""
    import random

    rng = random.Random(network)
    for _ in range(50):
        number = random_card(rng, network)
        assert contains_card_number(number), number
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
        assert not contains_card_number(wrong), wrong


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111 12/27",  # expiry in the same run of digits
        "4111-1111-1111-1111 123",  # CVV
        "ref 12 4111 1111 1111 1111",  # a reference before it
        "４１１１　１１１１　１１１１　１１１１",  # full-width digits
        "٤١١١١١١١١١١١١١١١",  # Arabic-Indic digits
        "4111\u00a01111\u00a01111\u00a01111",  # no-break spaces
        "4111.1111.1111.1111",
        "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
        "card4111111111111111exp",
    ],
)
def test_card_numbers_in_awkward_spellings(text: str) -> None:
    """Expiry, CVV, reference, Unicode digits and odd separators do not hide a number."""
    assert contains_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "+49 1512 3076791",  # German mobile with its + (digits pass Luhn as a 13-digit Visa)
        "DE89 3704 0044 0532 0130 00",  # a valid IBAN
        "IBAN: FI53 3369 0204 7803 29",
        "36-90-11 52916299",  # UK sort code and account number
        "112-4839201-3849201",  # Amazon order number
    ],
)
def test_lookalikes_are_not_card_numbers(text: str) -> None:
    """Phones with +, valid IBANs and sort code + account are not flagged."""
    assert not contains_card_number(text)


def test_the_lookalikes_would_pass_luhn_and_prefix() -> None:
    """The phone and sort-code lookalikes above really are Luhn-valid digit strings."""
    from crm_tui.services.card_numbers import is_card_number

    assert is_card_number("4915123076791")
    assert is_card_number("369011" + "52916299")


def test_mask_replaces_only_the_card_number() -> None:
    """Masking keeps the words and ordinary numbers around a card number."""
    text = "Call +44 20 7946 0958 re card 4111 1111 1111 1111 12/27, order 1234"
    masked = mask_card_numbers(text)
    assert masked == "Call +44 20 7946 0958 re card [card number removed]/27, order 1234"
    assert not contains_card_number(masked)


def test_published_test_numbers_are_luhn_valid() -> None:
    """The generator's fixed list is made of real test numbers (a check on the test data)."""
    for number in TEST_NUMBERS:
        assert luhn_complete(number[:-1]) == number
