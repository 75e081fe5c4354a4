"""What demo customers are made of: Faker pools per locale, and the closed lists rows draw from."""

from __future__ import annotations

import functools
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Generic, TypeVar

from faker import Faker

from crm_tui.services.phone_patterns import country_numbers
from crm_tui.services.search.document import normalize

LOCALES = [("en_GB", "GB", "GBP", "en"), ("pt_PT", "PT", "EUR", "pt"), ("de_DE", "DE", "EUR", "de"),
           ("fr_FR", "FR", "EUR", "fr"), ("en_US", "US", "USD", "en")]  # fmt: skip
SEGMENTS = ["Regular", "Regular", "Regular", "VIP", "Wholesale", "Corporate"]
TAGS = [("newsletter", "green"), ("vip", "magenta"), ("late-payer", "red"), ("referral", "cyan"),
        ("b2b", "blue"), ("reseller", "yellow"), ("eco", "green"), ("priority", "red")]  # fmt: skip
PRODUCTS = [("Fibre Broadband", ["100 Mb", "500 Mb", "1 Gb"], Decimal("29.99")),
            ("Mobile Plan", ["5 GB", "20 GB", "Unlimited"], Decimal("12.50")),
            ("Smart Router", ["WiFi 6", "WiFi 7"], Decimal("6.99")),
            ("TV Package", ["Basic", "Sports", "Cinema"], Decimal("19.00")),
            ("Cloud Backup", ["100 GB", "1 TB"], Decimal("4.99")),
            ("Security Camera", ["Indoor", "Outdoor"], Decimal("9.99"))]  # fmt: skip
ORDER_ITEMS = [("USB-C cable", Decimal("9.99")), ("Installation visit", Decimal("49.00")),
               ("Wall mount", Decimal("24.50")), ("Power adapter", Decimal("15.00")),
               ("Mesh extender", Decimal("79.00")), ("Ethernet cable 5m", Decimal("7.25"))]  # fmt: skip
NOTE_TITLES = [("call", "Called about the last invoice"), ("email", "Sent the welcome pack"),
               ("meeting", "Quarterly account review"), ("task", "Check router delivery"),
               ("note", "Prefers contact in the morning"), ("call", "Reported slow connection"),
               ("task", "Renewal quote to send"), ("note", "Asked about the loyalty scheme")]  # fmt: skip
INDUSTRIES = ["Retail", "Hospitality", "Healthcare", "Construction", "Education", "Logistics",
              "Software", "Manufacturing", "Legal", "Agriculture"]  # fmt: skip
BUSINESS_TYPES = ["Ltd", "LLP", "Sole trader", "PLC", "Partnership", "Charity"]
TERMS = ["Net 7", "Net 14", "Net 30", "Net 60"]
CARD_BRANDS = [("Visa", "4"), ("Mastercard", "5"), ("American Express", "37")]
OWNERS = ["alice", "bruno", "chen", "dara", "emma"]


T = TypeVar("T")


class Weighted(Generic[T]):
    """`rng.choices(population, weights)[0]`, the cumulative weights added up once: the
    same arithmetic as random.choices (one random() scaled by the float total, bisected),
    so the same draw from the same generator."""

    def __init__(self, population: Sequence[T], weights: Sequence[int]) -> None:
        self.population, self.cumulative = list(population), list(accumulate(weights))
        self.total, self.hi = self.cumulative[-1] + 0.0, len(self.population) - 1

    def __call__(self, rng: random.Random) -> T:
        return self.population[bisect(self.cumulative, rng.random() * self.total, 0, self.hi)]


@dataclass
class Pools:
    """Values drawn once per locale from Faker."""

    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def build_pools(seed: int) -> dict[str, Pools]:
    pools: dict[str, Pools] = {}
    for index, (locale, *_rest) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 31 + index)
        pool = Pools()
        pool.first = [fake.first_name() for _ in range(400)]
        pool.last = [fake.last_name() for _ in range(600)]
        pool.streets = [fake.street_address().replace("\n", ", ") for _ in range(400)]
        pool.cities = [fake.city() for _ in range(150)]
        pool.postcodes = [fake.postcode() for _ in range(400)]
        pool.companies = [fake.company() for _ in range(300)]
        pool.jobs = [fake.job()[:60] for _ in range(80)]
        pool.sentences = [fake.sentence(nb_words=12) for _ in range(200)]
        pools[locale] = pool
    return pools


def random_phone(rng: random.Random, region: str) -> str:
    return random_number(rng, region)[0]


COUNTRY_CODES = {"GB": 44, "PT": 351, "DE": 49, "FR": 33, "US": 1}


def random_number(rng: random.Random, region: str) -> tuple[str, str]:
    """A valid random number of `region`: E.164 and its NATIONAL format (for
    phones.search_forms_from).

    Checked and formatted from the country code's patterns compiled once
    (phone_patterns.py), as phones.is_valid and phonenumbers.format_number would
    check and format the number phonenumbers.parse gives for the E.164 text: no
    national part drawn here starts with 0."""
    numbers = country_numbers(COUNTRY_CODES[region])
    while True:
        national = draw_national_digits(rng, region)
        if numbers.is_valid(national):
            return f"+{numbers.code}{national}", numbers.national(national)


def draw_national_digits(rng: random.Random, region: str) -> str:
    if region == "GB":  # 07[4579]: mobile ranges (076 is pagers).
        return "7" + rng.choice("4579") + str(rng.randint(10_000_000, 99_999_999))
    if region == "PT":
        return "9" + rng.choice("1236") + str(rng.randint(1_000_000, 9_999_999))
    if region == "DE":
        return "15" + str(rng.randint(10, 79)) + str(rng.randint(1_000_000, 9_999_999))
    if region == "FR":
        return "6" + str(rng.randint(10_000_000, 99_999_999))
    area = rng.choice(["201", "212", "305", "415", "617", "646", "718", "917"])
    return area + str(rng.randint(2, 9)) + str(rng.randint(10, 99)) + str(rng.randint(1000, 9999))


@functools.cache  # names and companies come from the pools: a few thousand strings
def ascii_slug(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum() or ch == " ").replace(" ", ".")
