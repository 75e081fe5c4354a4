"""Invoice lines: what a clerk types, checked, and the arithmetic of amounts and tax.

Each line's amount is quantity x unit price and its tax is amount x rate,
each rounded half-up to the cent; the invoice's subtotal, tax and total are
the sums of its lines, so the printed lines always add up to the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm_tui.models.types import CENT
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text, parse_amount

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
MAX_LINES = 500


@dataclass(frozen=True)
class LineInput:
    """A typed line as entered: text and numbers are checked by `clean_line`."""

    description: str
    unit_price: object
    quantity: object = "1"
    tax_rate: object = "0"


@dataclass(frozen=True)
class LineValues:
    """A checked line with its amount and tax worked out."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def priced(
    description: str, quantity: Decimal, unit_price: Decimal, tax_rate: Decimal
) -> LineValues:
    amount = cents(quantity * unit_price)
    return LineValues(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        amount=amount,
        tax=cents(amount * tax_rate / HUNDRED),
    )


def parse_tax_rate(raw: object) -> Decimal:
    rate = parse_amount(raw, "tax_rate")
    assert rate is not None
    if rate > HUNDRED:
        raise ValidationError("tax_rate", "The tax rate is a percentage from 0 to 100.")
    return rate


def clean_line(line: LineInput) -> LineValues:
    description = clean_text("description", line.description, required=True, max_len=300)
    assert description is not None
    quantity = parse_amount(line.quantity, "quantity", allow_zero=False)
    price = parse_amount(line.unit_price, "unit_price")
    assert quantity is not None and price is not None
    return priced(description, quantity, price, parse_tax_rate(line.tax_rate))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Iterable[LineValues]) -> Totals:
    subtotal = tax = ZERO
    for line in lines:
        subtotal += line.amount
        tax += line.tax
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)


def negated(line: LineValues) -> LineValues:
    """The same line with the opposite sign, for a credit note."""
    return LineValues(
        description=line.description,
        quantity=-line.quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        amount=-line.amount,
        tax=-line.tax,
    )
