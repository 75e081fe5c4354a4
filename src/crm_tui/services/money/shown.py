"""How an amount is written for people, app and CLI alike: its currency code first."""

from __future__ import annotations

from decimal import Decimal


def in_currency(amount: Decimal | None, currency: str) -> str:
    """'GBP 1,234.56' ('-' for no amount): the code first, so columns of them line up."""
    return "-" if amount is None else f"{currency} {amount:,.2f}"


def breakdown_line(
    currency: str, paid: Decimal, in_reporting: Decimal, quote: str, unpriced: int
) -> str:
    """'EUR 83.33 = GBP 70.27', or what part has no rate."""
    line = in_currency(paid, currency)
    if currency == quote:
        return line
    line += f" = {in_currency(in_reporting, quote)}"
    if unpriced:
        line += f" ({unpriced} payment{'s' if unpriced != 1 else ''} with no rate left out)"
    return line
