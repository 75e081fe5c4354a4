"""The one set of input rules, shared by the services, the UI and imports.

Every parser takes what a person typed and returns the stored value, or
raises `ValidationError` naming the field with one sentence saying what is
wrong and how to fix it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.errors import ValidationError

MAX_TEXT = 10_000
# The documented ranges of numeric and date input (README, "Input ranges").
# Amounts stay under MAX_AMOUNT so one fits NUMERIC(14,2); whole numbers fit
# PostgreSQL's 32-bit integer columns; dates stay in years a clerk can mean.
MAX_AMOUNT = Decimal("1000000000000")  # exclusive: 999,999,999,999.99 is the largest
MAX_INT = 2_147_483_647
MAX_LOYALTY_POINTS = 1_000_000_000
MAX_QUANTITY = 1_000_000
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
CURRENCIES = {
    "GBP", "EUR", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD",
    "NZD", "JPY", "BRL", "MXN", "ZAR", "INR", "SGD", "HKD",
}  # fmt: skip
CHANNELS = ("email", "phone", "sms", "post")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
_SURROGATE = re.compile("[\ud800-\udfff]")
CENT = Decimal("0.01")


def label(field: str) -> str:
    return field.replace("_", " ")


def clean_text(
    field: str, raw: object, *, required: bool = False, max_len: int = MAX_TEXT
) -> str | None:
    """Trim; refuse NUL, card numbers and over-long text; None when blank."""
    if raw is None:
        value = ""
    elif isinstance(raw, str):
        value = raw.strip()
    else:
        value = str(raw).strip()
    if not value:
        if required:
            raise ValidationError(field, f"The {label(field)} is required.")
        return None
    if "\x00" in value:
        raise ValidationError(field, f"The {label(field)} contains a NUL character; remove it.")
    if not value.isascii() and _SURROGATE.search(
        value
    ):  # a surrogate is never ASCII  # e.g. undecodable bytes from argv; the database would crash
        raise ValidationError(
            field, f"The {label(field)} contains characters that are not valid text; retype it."
        )
    if len(value) > max_len:
        raise ValidationError(
            field,
            f"The {label(field)} is {len(value):,} characters long; the limit is {max_len:,}.",
        )
    if contains_card_number(value):
        raise ValidationError(
            field,
            f"The {label(field)} contains what looks like a full card number; "
            "card numbers are never stored, so remove it.",
        )
    return value


def undecodable(value: str) -> bool:
    """True when `value` holds lone surrogates: bytes from argv or a file that were not UTF-8."""
    return _SURROGATE.search(value) is not None


def text_key(value: str) -> str:
    """The comparison key of a name or e-mail: Unicode-normalised and casefolded."""
    return unicodedata.normalize("NFKC", value.strip()).casefold()


def parse_date(raw: object, field: str, *, required: bool = False) -> date | None:
    if isinstance(raw, date):
        return check_date_range(raw.date() if isinstance(raw, datetime) else raw, field)
    value = clean_text(field, raw, required=required, max_len=40)
    if value is None:
        return None
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return check_date_range(day, field)
    raise ValidationError(field, f"The {label(field)} {value!r} is not a date; use YYYY-MM-DD.")


def check_date_range(day: date, field: str) -> date:
    """`day`, if it lies between EARLIEST_DATE and LATEST_DATE."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            field,
            f"The {label(field)} {day.isoformat()} is out of range; "
            f"use a date from {EARLIEST_DATE.year} to {LATEST_DATE.year}.",
        )
    return day


def parse_amount(
    raw: object, field: str = "amount", *, allow_zero: bool = True, required: bool = True
) -> Decimal | None:
    """A non-negative amount with at most two decimal places."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError(field, f"The {label(field)} is required.")
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip()
    if "," in text:
        # 1,234.50 is a thousands separator; 12,50 is a decimal comma we refuse
        # rather than guess (dropping it would store 1250.00).
        if not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            raise ValidationError(
                field,
                f"The {label(field)} {text!r} uses a comma; type the decimals after a dot, e.g. 12.50.",
            )
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(
            field, f"The {label(field)} {text!r} is not a number; type e.g. 49.90."
        ) from exc
    if not amount.is_finite():
        raise ValidationError(field, f"The {label(field)} must be a finite number.")
    if amount < 0:
        raise ValidationError(field, f"The {label(field)} cannot be negative.")
    if amount == 0 and not allow_zero:
        raise ValidationError(field, f"The {label(field)} must be more than zero.")
    # Size before decimals: quantizing 1e309 raises InvalidOperation.
    if amount >= MAX_AMOUNT:
        raise ValidationError(
            field, f"The {label(field)} must be less than {MAX_AMOUNT:,}; {text} is too large."
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(CENT):
        raise ValidationError(field, f"The {label(field)} can have at most two decimal places.")
    return amount.quantize(CENT)


def parse_int(raw: object, field: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """A whole number from `minimum` to `maximum` (by default what a 32-bit column holds)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return minimum
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValidationError(field, f"The {label(field)} must be a whole number.")
    text = str(int(raw)) if isinstance(raw, float) else str(raw).strip()
    if len(text) > 30:  # int() of a huge digit string is slow, and out of range anyway
        raise ValidationError(field, f"The {label(field)} must be at most {maximum:,}.")
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError(field, f"The {label(field)} must be a whole number.") from exc
    if value < minimum:
        raise ValidationError(field, f"The {label(field)} cannot be less than {minimum:,}.")
    if value > maximum:
        raise ValidationError(field, f"The {label(field)} must be at most {maximum:,}.")
    return value


def parse_choice(
    raw: object, field: str, choices: list[str], *, required: bool = True
) -> str | None:
    value = clean_text(field, raw, required=required, max_len=64)
    if value is None:
        return None
    for choice in choices:
        if value.casefold() == choice.casefold():
            return choice
    raise ValidationError(field, f"The {label(field)} must be one of: {', '.join(choices)}.")


def parse_currency(raw: object, field: str = "currency", *, required: bool = False) -> str | None:
    value = clean_text(field, raw, required=required, max_len=3)
    if value is None:
        return None
    code = value.upper()
    if code not in CURRENCIES:
        raise ValidationError(
            field, f"The currency {value!r} is not one we handle; use e.g. GBP, EUR or USD."
        )
    return code


def parse_channels(raw: object) -> str:
    """Comma-separated opted-in channels, e.g. 'email,sms'."""
    if raw is None:
        return ""
    items = raw if isinstance(raw, list | tuple | set) else str(raw).split(",")
    picked: list[str] = []
    for item in items:
        name = str(item).strip().lower()
        if not name:
            continue
        if name not in CHANNELS:
            raise ValidationError(
                "contact_channels", f"The channel {name!r} is unknown; use {', '.join(CHANNELS)}."
            )
        if name not in picked:
            picked.append(name)
    return ",".join(c for c in CHANNELS if c in picked)


def parse_website(raw: object) -> str | None:
    value = clean_text("website", raw, max_len=500)
    if value is None:
        return None
    candidate = value if "://" in value else "https://" + value
    if not re.match(r"^https?://[^\s/]+\.[^\s/]+", candidate):
        raise ValidationError(
            "website", f"The website {value!r} is not a web address; type e.g. example.com."
        )
    return candidate


_VAT_PATTERNS = {
    "GB": r"^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$",
    "DE": r"^DE\d{9}$",
    "FR": r"^FR[0-9A-Z]{2}\d{9}$",
    "PT": r"^PT\d{9}$",
    "ES": r"^ES[0-9A-Z]\d{7}[0-9A-Z]$",
    "IT": r"^IT\d{11}$",
    "NL": r"^NL\d{9}B\d{2}$",
    "IE": r"^IE\d{7}[A-W][A-I]?$|^IE\d[A-Z+*]\d{5}[A-W]$",
    "BE": r"^BE[01]\d{9}$",
}


def parse_vat(raw: object) -> str | None:
    """Checks the format where the country prefix is one we know; others pass as typed."""
    value = clean_text("vat_id", raw, max_len=40)
    if value is None:
        return None
    compact = re.sub(r"[\s.\-]", "", value).upper()
    pattern = _VAT_PATTERNS.get(compact[:2])
    if pattern and not re.match(pattern, compact):
        raise ValidationError(
            "vat_id",
            f"The VAT number {value!r} does not match the {compact[:2]} format; check the digits.",
        )
    return compact if pattern else value
