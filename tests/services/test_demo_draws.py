"""The demo's quicker draws give what the plain ones gave from the same generator:
phone numbers built from their parts and checked and formatted from patterns compiled
once, weighted choices with their sums added up once."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from crm_tui.services.demo.pools import (
    COUNTRY_CODES,
    Weighted,
    draw_national_digits,
    random_number,
)
from crm_tui.services.phone_patterns import country_numbers
from crm_tui.services.phones import is_valid


def parsed_draw(rng: random.Random, region: str) -> str:
    """The draw as it was: E.164 text made, parsed and checked until valid."""
    while True:
        if region == "GB":
            raw = "+447" + rng.choice("4579") + str(rng.randint(10_000_000, 99_999_999))
        elif region == "PT":
            raw = "+3519" + rng.choice("1236") + str(rng.randint(1_000_000, 9_999_999))
        elif region == "DE":
            raw = "+4915" + str(rng.randint(10, 79)) + str(rng.randint(1_000_000, 9_999_999))
        elif region == "FR":
            raw = "+336" + str(rng.randint(10_000_000, 99_999_999))
        else:
            raw = "+1" + rng.choice(["201", "212", "305", "415", "617", "646", "718", "917"])
            raw += str(rng.randint(2, 9)) + str(rng.randint(10, 99)) + str(rng.randint(1000, 9999))
        if phonenumbers.is_valid_number(phonenumbers.parse(raw)):
            return raw


@pytest.mark.parametrize("region", sorted(COUNTRY_CODES))
def test_built_numbers_are_the_parsed_draws(region: str) -> None:
    """Same seed: the same numbers as parsing each candidate (invalid ones redrawn alike),
    each with phonenumbers' NATIONAL format of its E.164 text, and the generator left in step."""
    for seed in range(3):
        built, parsed = random.Random(seed), random.Random(seed)
        for _ in range(700):
            e164, national = random_number(built, region)
            assert e164 == parsed_draw(parsed, region)
            number = phonenumbers.parse(e164)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164
            assert national == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.NATIONAL
            )
        assert built.random() == parsed.random()


@pytest.mark.parametrize("code", sorted(COUNTRY_CODES.values()))
def test_compiled_patterns_check_and_format_as_phonenumbers(code: int) -> None:
    """Any national digits of 4 to 13 digits not starting with 0, valid or not, in any
    region the code covers: the compiled patterns give phones.is_valid's answer and
    phonenumbers' NATIONAL format."""
    numbers, rng = country_numbers(code), random.Random(code)
    region = next(name for name, its_code in COUNTRY_CODES.items() if its_code == code)
    valid = 0
    for _ in range(6_000):
        length = rng.randint(4, 13)
        nsn = str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=length - 1))
        if rng.random() < 0.5:  # a candidate the demo draws, valid or not
            nsn = draw_national_digits(rng, region)
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
        assert numbers.is_valid(nsn) == is_valid(number), nsn
        assert numbers.national(nsn) == phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.NATIONAL
        ), nsn
        valid += numbers.is_valid(nsn)
    assert 1_000 < valid < 5_900  # both answers were tried


@pytest.mark.parametrize(
    "weights", [[90, 5, 3, 2], [25, 45, 22, 8], [60, 30, 10], [50, 15, 12, 10, 13], [1], [0, 3, 0]]
)
def test_weighted_is_random_choices(weights: list[int]) -> None:
    """Weighted(population, weights)(rng) is rng.choices(population, weights)[0], draw
    after draw, with the generator in step."""
    population = [f"item {i}" for i in range(len(weights))]
    pick = Weighted(population, weights)
    quick, plain = random.Random(5), random.Random(5)
    for _ in range(5_000):
        assert pick(quick) == plain.choices(population, weights=weights)[0]
    assert quick.random() == plain.random()
