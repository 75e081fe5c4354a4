"""ISO 4217 currency codes, checked against pycountry's list (not a hand-kept one)."""

from __future__ import annotations

import pycountry

from crm_tui.services.errors import ValidationError


def iso_currency(raw: object, field: str = "currency") -> str:
    """An ISO 4217 code in capitals, or a one-sentence refusal."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationError(field, "A currency code is needed, such as EUR.")
    code = text.upper()
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(field, f"{text!r} is not an ISO 4217 currency code, such as EUR.")
    return code
