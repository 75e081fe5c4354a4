"""An export file's columns, and how a value becomes a cell a spreadsheet shows but never runs.

Spreadsheet safety: a text cell starting with = + - @ tab or CR gets a
leading apostrophe so a spreadsheet shows it instead of running it; our own
import takes the apostrophe off again (unneutralise). Plain numbers (amounts,
E.164 phone numbers like +447946000958) cannot run anything and are left as
they are, so phone numbers stay importable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")

# (header, key) in file order; keys name customer fields or the extras below. The
# primary e-mail, phone and web address and the first address; `layout` adds the rest.
COLUMNS: list[tuple[str, str]] = [
    ("Customer number", "number"), ("Kind", "kind"), ("Status", "status"),
    ("Status reason", "status_reason"), ("First name", "first_name"), ("Last name", "last_name"),
    ("Company", "company_name"), ("E-mail", "email"), ("E-mail - Label", "email_label"),
    ("Phone", "phone"), ("Phone - Label", "phone_label"),
    ("Date of birth", "date_of_birth"), ("Registration number", "registration_number"),
    ("VAT id", "vat_id"), ("Business type", "business_type"), ("Industry", "industry"),
    ("Website", "website"), ("Website - Label", "website_label"), ("Payment terms", "payment_terms"), ("Billing group", "billing_group"),
    ("Segment", "segment"), ("Loyalty points", "loyalty_points"), ("Language", "language"),
    ("Currency", "currency"), ("Contact channels", "contact_channels"), ("Owner", "owner"),
    ("Tags", "tags"), ("Address line 1", "line1"), ("Address line 2", "line2"), ("City", "city"),
    ("Region", "region"), ("Postal code", "postal_code"), ("Country", "country"),
    ("Address - Label", "address_label"),
    ("Lifetime value", "lifetime_value"), ("Outstanding balance", "outstanding_balance"),
    ("Active subscriptions", "active_subscriptions"), ("Orders", "order_count"),
    ("Last purchase", "last_purchase_at"), ("Created", "created_at"),
]  # fmt: skip
NUMERIC_KEYS = {"loyalty_points", "lifetime_value", "outstanding_balance",
                "active_subscriptions", "order_count"}  # fmt: skip


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will show, not run: a leading apostrophe when needed."""
    if not value:
        return value
    if value[0] in FORMULA_STARTS:
        return value if _PLAIN_NUMBER.match(value) else "'" + value
    if value[0] == "'" and len(value) > 1 and _quoted(value[1]):
        return "'" + value  # our import strips one apostrophe; keep the real one
    return value


def _quoted(second: str) -> bool:
    """After a leading apostrophe: what a spreadsheet export quotes to keep it text
    (a formula start, an apostrophe, or a digit: Shopify writes '02134 and '+1617...)."""
    return second in FORMULA_STARTS or second == "'" or second.isdigit()


def cell_text(value: object) -> str:
    """How a value is written to a text cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def unneutralise(value: str) -> str:
    """Undo the apostrophe an export puts before a cell a spreadsheet would run or
    reformat: ours before a formula start, Shopify's before a zip code or an id."""
    if value.startswith("'") and len(value) > 1 and _quoted(value[1]):
        return value[1:]
    return value


_OOXML_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # CR too: XML reads it back as LF


def ooxml_escape(value: str) -> str:
    """Control characters a worksheet cannot hold, written as Excel does: _x001B_.

    A literal "_x0041_" in the text is protected as "_x005F_x0041_", so the
    import (imports.xlsx.ooxml_unescape) gives back exactly what was stored.
    """
    value = _OOXML_ESCAPED.sub("_x005F_", value)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
