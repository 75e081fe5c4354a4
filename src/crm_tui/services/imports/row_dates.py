"""A row's birthday: one date column, or year, month and day columns (Thunderbird)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crm_tui.services.imports.dates import DateOrderNeeded, read_date

# Outlook writes "0/0/00" for a contact with no birthday.
_NO_DATE = {"0/0/00", "0/0/0000", "00/00/0000", "0000-00-00", "00000000"}
EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class Birthday:
    """The birthday as read: a date, a month and day, or why it is neither."""

    text: str
    value: date | None = None
    month_day: tuple[int, int] | None = None
    error: str = ""


def birthday(raw: dict[str, str], order: str | None) -> Birthday | None:
    """The birthday of a row's picked values, or None when the row has none."""
    text = raw.get("date_of_birth", "").strip()
    if not text and raw.get("birth_month") and raw.get("birth_day"):
        year = raw.get("birth_year", "").strip()
        month, day = raw["birth_month"].strip(), raw["birth_day"].strip()
        text = f"{year}-{month:0>2}-{day:0>2}" if year else f"--{month:0>2}-{day:0>2}"
    if not text or text in _NO_DATE:
        return None
    try:
        read = read_date(text, order)
    except DateOrderNeeded:
        return Birthday(text, error="The date reads both day-first and month-first.")
    except ValueError:
        return Birthday(text, error=f"The birthday {text!r} is not a date.")
    if read.value is not None and not EARLIEST <= read.value <= date.today():
        return Birthday(text, error="A date of birth must be between 1900 and today.")
    return Birthday(text, read.value, read.month_day)
