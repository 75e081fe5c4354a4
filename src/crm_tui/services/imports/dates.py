"""Dates as import files write them, read in one order for a whole column.

`10/06/2008` is 10 June in London and October 6 in Boston; a file never
says which. The order is settled by the column, not guessed per value: a
value whose first part is over 12 makes the column day-first, one whose
second part is over 12 makes it month-first. A column where every such
value could be either is ambiguous, and the import asks (the screen) or
needs `--date-order` (the command line). ISO dates (2008-06-10, 20080610)
and dates with the month in words are read as they are whatever the order.
Year-less birthdays (vCard's `--04-22`, Apple's year 1604) are month-day
pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DATE_ORDERS = ("dmy", "mdy", "ymd")
NO_YEAR = 1604  # Apple's year for a birthday whose year is not known
_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$")
_YEARLESS = re.compile(r"^--(\d{2})-?(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})(?:[T ].*)?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_WORDS = re.compile(
    r"^(\d{1,2})[ \-.]*([a-z]+)\.?[ \-.,]*(\d{2,4})$|^([a-z]+)\.?[ \-.]*(\d{1,2})(?:st|nd|rd|th)?[ ,\-.]*(\d{2,4})$"
)


@dataclass(frozen=True)
class ReadDate:
    """A date read from text: a whole date, or a month and day with no year."""

    value: date | None = None
    month_day: tuple[int, int] | None = None


class DateOrderNeeded(ValueError):
    """The value reads two ways and the column has not settled which."""


def _year(text: str) -> int:
    number = int(text)
    if len(text) <= 2:  # two-digit years: 00-29 this century, else the last one
        return 2000 + number if number < 30 else 1900 + number
    return number


def _make(year: int, month: int, day: int) -> ReadDate:
    if year == NO_YEAR:
        date(2000, month, day)  # raises for 31 June; 2000 allows 29 February
        return ReadDate(month_day=(month, day))
    return ReadDate(value=date(year, month, day))


def order_hint(text: str) -> str | None:
    """'dmy' or 'mdy' when this value settles a column, 'either' when it reads both ways."""
    match = _NUMERIC.match(text.strip())
    if not match or len(match.group(1)) == 4:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 and second <= 12:
        return "dmy"
    if second > 12 and first <= 12:
        return "mdy"
    if first <= 12 and second <= 12 and first != second:
        return "either"
    return None


def read_date(text: str, order: str | None) -> ReadDate:
    """Read one value; ValueError says why it is not a date, DateOrderNeeded when unsettled."""
    value = text.strip()
    if match := _YEARLESS.match(value):
        return _make(NO_YEAR, int(match.group(1)), int(match.group(2)))
    if match := _ISO.match(value):
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _NUMERIC.match(value):
        a, b, c = match.group(1), match.group(2), match.group(3)
        if len(a) == 4:
            return _make(int(a), int(b), int(c))
        hint = order_hint(value)
        if hint in ("dmy", "mdy") and order in ("dmy", "mdy") and hint != order:
            raise ValueError(
                f"{value} cannot be {'day-first' if order == 'dmy' else 'month-first'}"
            )
        chosen = order or (hint if hint in ("dmy", "mdy") else None)
        if chosen is None and a == b:
            chosen = "dmy"  # 05/05/2001 reads the same both ways
        if chosen is None:
            raise DateOrderNeeded(value)
        if chosen == "ymd":
            return _make(_year(a), int(b), int(c))
        day, month = (a, b) if chosen == "dmy" else (b, a)
        return _make(_year(c), int(month), int(day))
    if match := _WORDS.match(value.casefold()):
        if match.group(1):
            day, word, year = match.group(1), match.group(2), match.group(3)
        else:
            word, day, year = match.group(4), match.group(5), match.group(6)
        month = _MONTHS.get(word)
        if month is not None:
            return _make(_year(year), month, int(day))
    raise ValueError(value)
