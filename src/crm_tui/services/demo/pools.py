"""What demo customers are made of: Faker pools per locale, and the closed lists rows draw from."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from faker import Faker

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


def random_number(rng: random.Random, region: str) -> tuple[str, phonenumbers.PhoneNumber]:
    """A valid random number of `region`: E.164 and parsed (for phones.search_forms_of)."""
    while True:
        if region == "GB":
            # 07[4579]: mobile ranges (076 is pagers).
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
        number = phonenumbers.parse(raw)
        if phonenumbers.is_valid_number(number):
            return raw, number


@functools.cache  # names and companies come from the pools: a few thousand strings
def ascii_slug(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum() or ch == " ").replace(" ", ".")
