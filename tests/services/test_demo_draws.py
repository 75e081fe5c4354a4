"""The demo's quicker draws give what the plain ones gave from the same generator:
phone numbers built from their parts, weighted choices with their sums added up once."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from crm_tui.services.demo.pools import COUNTRY_CODES, Weighted, random_number


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
    each equal to phonenumbers.parse of its E.164 text, and the generator left in step."""
    for seed in range(3):
        built, parsed = random.Random(seed), random.Random(seed)
        for _ in range(700):
            e164, number = random_number(built, region)
            assert e164 == parsed_draw(parsed, region)
            assert number == phonenumbers.parse(e164)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164
        assert built.random() == parsed.random()


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
