"""Spotting full payment card numbers in free text so they are never stored.

A card number is 13-19 digits with a real card-network prefix and length,
passing Luhn. It may be written in any spacing: plain, in groups, or with
any number of separators between two digits, where a separator is any
Unicode space or line break, any invisible format character (zero-width
space, word joiner, soft hyphen, bidi marks), any dash or hyphen, a dot or
middle dot, a plus sign or a backslash; in full-width or other
Unicode digits, glued to words, or followed by an expiry date or CVV in
the same run of digits.

What is *not* a card number, though it may look like one:
- a phone number written with its leading "+" (+49 1512 3456789): a run
  after a "+" that phonenumbers reads as a valid number of at most 15
  digits (E.164's limit; "+4111 1111 1111 1111" is no phone);
- a valid IBAN (mod-97 checked) such as DE89 3704 0044 0532 0130 00;
- a UK sort code and account number (12-34-56 12345678).
These are blanked before the search. Measured on generated sets with
`python -m benchmarks.cards_bench` (recall on cards of every network in
many spellings, false positives on phones, order numbers and IBANs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Characters that may sit between the digits of one written number: every
# Unicode space (Zs), line and paragraph separator (Zl, Zp), format character
# (Cf: zero-width spaces, joiners, soft hyphen, bidi marks) and dash (Pd), as
# of Unicode 14 (a test compares this with unicodedata), plus ASCII line
# breaks, dots, plus and minus signs and backslashes. Written out rather than
# built from unicodedata at import: scanning every code point costs ~0.3 s.
_SPACES = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2028\u2029\t\n\v\f\r\x1c-\x1f\x85"
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c"
    "\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u2796"
)
_DOTS_PLUS = ".\u00b7\u2022\u2024\u2027\u22c5\u3002\u30fb\ufe52\uff0e\uff61\uff65+\u207a\u208a\ufb29\ufe62\uff0b\u2795\\\\"
SEPARATOR_CLASS = f"[{_SPACES}{_FORMAT}{_DASHES}{_DOTS_PLUS}]"
_SEP = f"{SEPARATOR_CLASS}++"  # possessive: a separator is never a digit
_RUN = re.compile(rf"\d(?:(?:{_SEP})?\d)*")
_GROUPS = re.compile(r"\d+")
# Quick test, at C speed, that a text has at least 13 digits close together: 13 digits
# with separators between, tried only from a digit with no digit just before it (where
# any such run can start: one that starts later also starts at its run's first digit), so
# a 12-digit phone is one try, not twelve; a third of the time of trying every digit.
# It finds a match in exactly the texts (?:\d(?:{_SEP})?){12}\d does (tests/services/
# test_card_quick_test.py).
_ENOUGH = re.compile(rf"\d(?<!\d\d)(?:{SEPARATOR_CLASS}*+\d){{12}}")

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
_SORT_CODE_ACCOUNT = re.compile(r"(?<!\d)\d{2}-\d{2}-\d{2}[ \t]+\d{8}(?!\d)")
_PHONE_PLUS = re.compile(r"[+\uff0b][ (]*$")
E164_MAX_DIGITS = 15

# (prefix ranges, allowed lengths) per network.
_NETWORKS: list[tuple[list[tuple[int, int]], set[int]]] = [
    ([(4, 4)], {13, 16, 19}),  # Visa
    ([(51, 55), (2221, 2720)], {16}),  # Mastercard
    ([(34, 34), (37, 37)], {15}),  # American Express
    ([(6011, 6011), (65, 65), (644, 649), (622126, 622925)], {16, 17, 18, 19}),  # Discover
    ([(3528, 3589)], {16, 17, 18, 19}),  # JCB
    ([(300, 305), (36, 36), (38, 39)], {14, 15, 16, 17, 18, 19}),  # Diners Club
    ([(62, 62)], {16, 17, 18, 19}),  # UnionPay
    (
        [(50, 50), (56, 58), (6304, 6304), (6759, 6759), (676770, 676774)],
        {12, 13, 14, 15, 16, 17, 18, 19},
    ),  # Maestro
]


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def has_card_prefix(digits: str) -> bool:
    for ranges, lengths in _NETWORKS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return True
    return False


def is_card_number(digits: str) -> bool:
    """`digits` (ASCII 0-9 only) is a plausible full card number."""
    return 13 <= len(digits) <= 19 and has_card_prefix(digits) and luhn_ok(digits)


def _ascii_digits(text: str) -> str:
    """Every Unicode decimal digit (full-width, Arabic-Indic, ...) as its ASCII digit."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:].upper() + compact[:4].upper()
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _blank_ibans(text: str) -> str:
    """`text` with each valid IBAN (4-grouped or not) replaced by spaces."""
    for match in _IBAN_START.finditer(text):
        chars: list[str] = []
        ends: list[int] = []
        at = match.start()
        while at < len(text) and len(chars) < 34:
            char = text[at]
            if char.isascii() and char.isalnum():
                chars.append(char)
                ends.append(at + 1)
            elif char != " " or not text[at + 1 : at + 2].isalnum():
                break
            at += 1
        for size in range(len(chars), 14, -1):  # IBANs have 15 to 34 characters
            end = ends[size - 1]
            if text[end : end + 1].isalnum() or not _iban_ok("".join(chars[:size])):
                continue
            text = text[: match.start()] + " " * (end - match.start()) + text[end:]
            break
    return text


def _candidates(run: str) -> Iterator[str]:
    """The run's digits, and the run less a short leading or trailing group.

    A trailing expiry or CVV ("4111 1111 1111 1111 123") or a leading
    reference ("ref 12 4111 ...") shares the card's run of digits. Trimmed
    candidates must look printed (groups of 3-6 digits, the last 1-6), so
    order numbers such as 112-1234567-1234567 do not qualify.
    """
    groups = _GROUPS.findall(run)
    yield "".join(groups)
    for start, end in ((1, len(groups)), (0, len(groups) - 1), (1, len(groups) - 1)):
        inner = groups[start:end]
        if not inner or len(inner) == len(groups):
            continue
        if len(inner) > 1 and not all(3 <= len(g) <= 6 for g in inner[:-1]):
            continue
        if len(inner) > 1 and len(inner[-1]) > 6:
            continue
        yield "".join(inner)


def _is_phone(run: str) -> bool:
    """The digits after a "+" make a valid phone number (E.164: at most 15 digits)."""
    digits = "".join(_GROUPS.findall(run))
    if len(digits) > E164_MAX_DIGITS:
        return False
    import phonenumbers  # only for the rare run after a "+": it costs ~50 ms to import

    from crm_tui.services.phones import is_valid

    try:
        return is_valid(phonenumbers.parse("+" + digits, None))
    except phonenumbers.NumberParseException:
        return False


def card_number_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of `text` that holds a full card number."""
    if not _ENOUGH.search(text):
        return
    # Same length as text (one character per character), so spans map back.
    plain = _ascii_digits(text)
    plain = _blank_ibans(plain)
    plain = _SORT_CODE_ACCOUNT.sub(_blank, plain)
    for match in _RUN.finditer(plain):
        run = match.group()
        if sum(ch.isdigit() for ch in run) < 13:
            continue
        if _PHONE_PLUS.search(plain[max(0, match.start() - 4) : match.start()]) and _is_phone(run):
            continue
        if any(is_card_number(digits) for digits in _candidates(run)):
            yield match.start(), match.end()


# Joins the cells of a row for one quick test: not a separator, so no run of digits
# (and no _ENOUGH match) spans two cells.
_CELL_JOINER = "\x00"


def contains_card_number(text: str) -> bool:
    """True when `text` holds a digit run that is a plausible full card number."""
    # Fewer than 13 characters cannot hold 13 digits (most names, towns, codes).
    if len(text) < 13 or not _ENOUGH.search(text):  # no generator made (~20 asks a row)
        return False
    return next(card_number_spans(text), None) is not None


def any_may_hold_card_number(texts: list[str]) -> bool:
    """False when no text of `texts` holds 13 digits close together, so none holds a card
    number: one search over them all (an import's row) instead of one per text."""
    return _ENOUGH.search(_CELL_JOINER.join(texts)) is not None


def mask_card_numbers(text: str, mask: str = "[card number removed]") -> str:
    """`text` with every full card number replaced by `mask` (for refused-row files)."""
    spans = list(card_number_spans(text))
    for start, end in reversed(spans):
        text = text[:start] + mask + text[end:]
    return text
