"""Spotting full payment card numbers in free text so they are never stored.

A card number is a run of 13-19 digits (single spaces or dashes allowed
between digits) with a real card-network prefix and length, passing Luhn.
Phone numbers, order numbers and the like fail one of those tests.
"""

from __future__ import annotations

import re

_ANY_RUN = re.compile(r"\d(?:[ \-]?\d)*")

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
    return 13 <= len(digits) <= 19 and has_card_prefix(digits) and luhn_ok(digits)


def contains_card_number(text: str) -> bool:
    """True when `text` holds a digit run that is a plausible full card number."""
    if sum(ch.isdigit() for ch in text) < 13:
        return False
    for match in _ANY_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) < 13:
            continue
        if is_card_number(digits):
            return True
    return False
