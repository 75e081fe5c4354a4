"""Generated sets for measuring the card-number detector.

`card_texts` holds full card numbers of every major network (random valid
numbers plus the networks' published test numbers) written in many ways:
plain, grouped as printed, with spaces, dashes, dots, tabs, no-break spaces,
doubled or mixed separators, irregular groups, every digit apart, full-width
digits, glued to words, followed by an expiry date or a CVV, and with
every kind of Unicode separator between the groups (zero-width and other
format characters, soft hyphens, line breaks, runs of spaces, Unicode
hyphens and dots, plus signs; issue 18).

`ordinary_texts` holds realistic digit strings that are not card numbers:
phone numbers of many countries in the formats people write them, order,
invoice, tracking and transaction numbers, IBANs and their fragments (bank
codes, account numbers, UK sort code and account), dates and timestamps.

The prefix tables here are written from the networks' published ranges, not
imported from the detector, so the measurement is not circular. Everything
is drawn from one seeded `random.Random` (and seeded Faker), so a run is
reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from faker import Faker

# network: (prefixes as (low, high) of equal width, lengths)
NETWORKS: dict[str, tuple[list[tuple[int, int]], list[int]]] = {
    "Visa": ([(4, 4)], [13, 16, 19]),
    "Mastercard": ([(51, 55), (2221, 2720)], [16]),
    "American Express": ([(34, 34), (37, 37)], [15]),
    "Discover": ([(6011, 6011), (644, 649), (65, 65), (622126, 622925)], [16, 19]),
    "JCB": ([(3528, 3589)], [16, 19]),
    "Diners Club": ([(300, 305), (36, 36), (38, 39)], [14, 16]),
    "UnionPay": ([(62, 62)], [16, 17, 18, 19]),
    "Maestro": ([(50, 50), (56, 58), (6304, 6304), (6759, 6759), (676770, 676774)], [13, 16, 19]),
}

# Published test numbers (Stripe, PayPal, Adyen, Braintree documentation).
TEST_NUMBERS = [
    "4111111111111111", "4012888888881881", "4222222222222", "4242424242424242",
    "4000056655665556", "5555555555554444", "5105105105105100", "2223003122003222",
    "5200828282828210", "378282246310005", "371449635398431", "378734493671000",
    "6011111111111117", "6011000990139424", "6011981111111113", "3530111333300000",
    "3566002020360505", "30569309025904", "38520000023237", "36227206271667",
    "6200000000000005", "6759649826438453", "6304000000000000", "4917610000000000003",
]  # fmt: skip

SEPARATORS = [" ", "-", ".", "  ", "\t", "\u00a0", "\u202f", " - ", "\u2013"]
# zero-width space / non-joiner / joiner, word joiner, soft hyphen, BOM, bidi marks
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u2061"]
LINE_BREAKS = ["\n", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f"]
HYPHENS_DOTS = ["\u2010", "\u2011", "\u2212", "\ufe63", "\uff0d", "\u00b7", "\u2024", "\uff0e",
                "\u30fb", "+", "\uff0b", "\u3000"]  # fmt: skip


def luhn_complete(body: str) -> str:
    """`body` plus the check digit that makes it pass Luhn."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:  # doubled: these sit at odd positions once the check digit is added
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def random_card(rng: random.Random, network: str) -> str:
    ranges, lengths = NETWORKS[network]
    low, high = rng.choice(ranges)
    prefix = str(rng.randint(low, high))
    length = rng.choice(lengths)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def _printed_groups(number: str) -> list[str]:
    """The grouping printed on the card: 4-6-5 (Amex), 4-6-4 (Diners 14), else fours."""
    if len(number) == 15:
        return [number[:4], number[4:10], number[10:]]
    if len(number) == 14:
        return [number[:4], number[4:10], number[10:]]
    return [number[i : i + 4] for i in range(0, len(number), 4)]


def _irregular_groups(rng: random.Random, number: str) -> list[str]:
    groups, at = [], 0
    while at < len(number):
        size = rng.randint(1, 6)
        groups.append(number[at : at + size])
        at += size
    return groups


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def spellings(rng: random.Random, number: str) -> list[str]:
    """The ways a clerk (or a careless import) might write `number` in a field."""
    printed = _printed_groups(number)
    sep = rng.choice(SEPARATORS)
    mixed = "".join(g + rng.choice(SEPARATORS) for g in printed).rstrip("".join(SEPARATORS))
    return [
        number,
        " ".join(printed),
        "-".join(printed),
        sep.join(printed),
        mixed,
        rng.choice([" ", "-"]).join(_irregular_groups(rng, number)),
        " ".join(number),
        number.translate(_FULLWIDTH),
        f"card{number}",
        f"Paid with {' '.join(printed)} exp {rng.randint(1, 12):02d}/{rng.randint(25, 32)}",
        f"{' '.join(printed)} {rng.randint(1, 12):02d}/{rng.randint(25, 32)}",
        f"{' '.join(printed)} {rng.randint(100, 999)}",
        f"ref {rng.randint(10, 99)} {' '.join(printed)}",
        f"({number})",
        # Every kind of separator Unicode has, in any count (issue 18).
        "+" + " ".join(printed),
        rng.choice(INVISIBLE).join(printed),
        rng.choice(LINE_BREAKS).join(printed),
        (" " * rng.randint(4, 9)).join(printed),
        rng.choice(HYPHENS_DOTS).join(printed),
        "".join(g + rng.choice(INVISIBLE + LINE_BREAKS + HYPHENS_DOTS) for g in printed[:-1])
        + printed[-1],
    ]


def card_texts(count: int, seed: int = 1) -> list[str]:
    """About `count` texts, each holding one full card number."""
    rng = random.Random(seed)
    numbers = list(TEST_NUMBERS)
    per_number = len(spellings(rng, TEST_NUMBERS[0]))
    names = list(NETWORKS)
    while len(numbers) * per_number < count:
        numbers.append(random_card(rng, names[len(numbers) % len(names)]))
    return [text for number in numbers for text in spellings(rng, number)][:count]


# --- ordinary digit strings -----------------------------------------------------

PHONE_LOCALES = [
    "en_GB", "de_DE", "fr_FR", "en_US", "nl_NL", "it_IT", "es_ES", "pt_PT", "pl_PL",
    "en_IN", "zh_CN", "ja_JP", "pt_BR", "sv_SE", "en_AU", "de_AT", "de_CH", "da_DK",
]  # fmt: skip
PHONE_REGIONS = [
    "GB", "DE", "FR", "US", "NL", "IT", "ES", "PT", "PL", "IN", "CN", "JP", "BR", "SE",
    "AU", "AT", "CH", "DK", "BE", "IE", "MX", "ZA", "SG", "HK", "AR", "RU", "TR", "KR",
]  # fmt: skip
IBAN_LOCALES = [
    "de_DE", "en_GB", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_PT", "pl_PL", "de_AT",
    "de_CH", "nl_BE", "en_IE", "da_DK", "fi_FI", "no_NO", "sv_SE", "cs_CZ", "sk_SK",
]  # fmt: skip


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _phone(rng: random.Random) -> str:
    """A valid number of a random country, in one of the usual formats."""
    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice(
        [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
    )
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(
        region
    )
    assert example is not None
    national = str(example.national_number)
    for _ in range(20):  # vary the subscriber digits until the number is still valid
        keep = max(2, len(national) - 6)
        candidate = national[:keep] + _digits(rng, len(national) - keep)
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            break
    else:
        number = example
    fmt = rng.choice(
        [
            phonenumbers.PhoneNumberFormat.E164,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.NATIONAL,
        ]
    )
    text = phonenumbers.format_number(number, fmt)
    if rng.random() < 0.15:  # written with 00 for the plus
        text = (
            "00"
            + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)[1:]
        )
    return text


def _order_number(rng: random.Random) -> str:
    year = rng.randint(2015, 2026)
    makers: list[Callable[[], str]] = [
        lambda: f"ORD-{year}-{_digits(rng, 6)}",
        lambda: f"#{rng.randint(1001, 999_999)}",
        lambda: (
            f"{rng.choice(['111', '112', '113', '114', '202', '203', '204', '026'])}-"
            f"{_digits(rng, 7)}-{_digits(rng, 7)}"
        ),  # Amazon
        lambda: f"{rng.randint(1, 27):02d}-{_digits(rng, 5)}-{_digits(rng, 5)}",  # eBay
        lambda: f"INV-{year}-{rng.randint(1, 99_999):05d}",
        lambda: f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{_digits(rng, 4)}",
        lambda: (
            f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
        ),
        lambda: f"1Z{_digits(rng, 3)}A{_digits(rng, 2)}{_digits(rng, 10)}",  # UPS
        lambda: (
            f"9400 1{_digits(rng, 3)} {_digits(rng, 4)} {_digits(rng, 4)} "
            f"{_digits(rng, 4)} {_digits(rng, 2)}"
        ),  # USPS
        lambda: _digits(rng, 12),  # FedEx
        lambda: f"{rng.randint(1, 9)}{_digits(rng, 9)}",  # DHL
        lambda: f"{rng.randint(1, 9)}{_digits(rng, rng.randint(5, 11))}",  # shop order id
        lambda: f"PO {year}/{rng.randint(1, 9999):04d}",
        lambda: f"Ticket #{rng.randint(10_000, 9_999_999)}",
        lambda: f"{rng.randint(1, 9)}{_digits(rng, 3)} {_digits(rng, 4)} {_digits(rng, 4)}",
    ]
    return rng.choice(makers)()


def _iban_fragment(rng: random.Random, faker: Faker) -> str:
    iban = faker.iban()
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    bban = iban[4:]
    digits_tail = "".join(ch for ch in bban if ch.isdigit())
    makers: list[Callable[[], str]] = [
        lambda: iban,
        lambda: grouped,
        lambda: f"IBAN: {grouped}",
        lambda: bban,
        lambda: digits_tail[-10:],
        lambda: f"{_digits(rng, 2)}-{_digits(rng, 2)}-{_digits(rng, 2)} {_digits(rng, 8)}",
        lambda: f"sort code {_digits(rng, 6)} account {_digits(rng, 8)}",
    ]
    return rng.choice(makers)()


@dataclass(frozen=True)
class OrdinarySets:
    """Non-card digit strings by kind."""

    phones: list[str]
    orders: list[str]
    ibans: list[str]

    def all(self) -> list[str]:
        return self.phones + self.orders + self.ibans


def ordinary_texts(count: int, seed: int = 2) -> OrdinarySets:
    """About `count` realistic non-card digit strings, a third of each kind."""
    rng = random.Random(seed)
    third = max(1, count // 3)
    fakers = []
    for locale in PHONE_LOCALES:
        faker = Faker(locale)
        faker.seed_instance(seed)
        fakers.append(faker)
    phones = [_phone(rng) if i % 2 else rng.choice(fakers).phone_number() for i in range(third)]
    orders = [_order_number(rng) for _ in range(third)]
    bank_fakers = []
    for locale in IBAN_LOCALES:
        faker = Faker(locale)
        faker.seed_instance(seed)
        bank_fakers.append(faker)
    ibans = [_iban_fragment(rng, rng.choice(bank_fakers)) for _ in range(third)]
    return OrdinarySets(phones, orders, ibans)
