"""The billing run writes its text and tax in SQL: each rule equals its Python twin.

Line descriptions (with a group member's number and name), invoice numbers,
history values and the tax of a line are computed by the database in the
set-based run; here each is checked against the Python rule it mirrors, on
SQLite and PostgreSQL, at the edges (empty name parts, ids past six digits,
negative amounts, half-cent taxes).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Date, Integer, String, literal, select

from crm_tui.models import format_number
from crm_tui.models.types import Money
from crm_tui.services.common import display_name
from crm_tui.services.history import as_text
from crm_tui.services.invoices.lines import HUNDRED, cents
from crm_tui.services.invoices.numbers import format_invoice_number, invoice_number_sql
from crm_tui.services.invoices.run_sql import (
    customer_number_sql,
    date_text,
    display_name_sql,
    line_description,
    money_text,
)
from crm_tui.services.money.convert import scaled
from crm_tui.services.registry import Services

NAMES = [
    ("business", "Ann", "Lee", "Acme"),
    ("business", "Ann", "", ""),
    ("business", None, None, None),
    ("individual", "", "Lee", "Acme"),
    ("individual", "Ann", None, None),
    ("individual", None, "", "Acme"),
    ("individual", "", None, ""),
]


def _one(services: Services, expression: Any) -> Any:
    with services.ctx.read() as session:
        return session.scalar(select(expression))


def _text(value: str | None) -> Any:
    return literal(value, String())


@pytest.mark.parametrize("name", NAMES)
def test_display_name_in_sql(services: Services, name: tuple[Any, ...]) -> None:
    """The company for a business, else the person; "(no name)" when both are empty."""
    kind, first, last, company = name
    sql = display_name_sql(_text(kind), _text(first), _text(last), _text(company))
    assert _one(services, sql) == display_name(kind, first, last, company)


@pytest.mark.parametrize("number", [1, 123, 999_999, 1_000_000, 12_345_678])
def test_numbers_in_sql(services: Services, number: int) -> None:
    """C-000123 and INV-2026-000123, never cut past six digits."""
    assert _one(services, customer_number_sql(literal(number, Integer()))) == format_number(number)
    invoice = invoice_number_sql(2026, literal(number, Integer()))
    assert _one(services, invoice) == format_invoice_number(2026, number)


@pytest.mark.parametrize("amount", ["0.00", "0.05", "-0.50", "128.70", "-1234.56", "1000000.00"])
def test_money_and_dates_as_history_keeps_them(services: Services, amount: str) -> None:
    value = Decimal(amount)
    assert _one(services, money_text(literal(value, Money()))) == as_text(value)
    day = date(2027, 1, 30)
    assert _one(services, date_text(literal(day, Date()))) == as_text(day)


@pytest.mark.parametrize(
    ("amount", "rate"),
    [("0.20", "7.5"), ("0.10", "5"), ("12.25", "20"), ("-0.20", "7.5"), ("99.99", "19.25")],
)
def test_line_tax_rounds_half_up_like_python(services: Services, amount: str, rate: str) -> None:
    """A line's tax is its amount x rate, half away from zero to the cent (lines.priced)."""
    money, percent = Decimal(amount), Decimal(rate)
    sql = scaled(literal(money, Money()), percent / HUNDRED)
    assert _one(services, sql) == cents(money * percent / HUNDRED)


@pytest.mark.parametrize(
    ("product", "variant", "serial", "member"),
    [
        ("Fibre", "500", "SN-1", None),
        ("Fibre", "", None, "C-000007 Acme"),
        ("", "500", "", None),
        ("TV " * 150, None, "X", "C-1234567 Bolt"),
    ],
)
def test_line_description_in_sql(
    services: Services, product: str, variant: str | None, serial: str | None, member: str | None
) -> None:
    """ "Fibre 500 (serial SN-1) · November 2026", a member first, cut at 300 characters."""
    text = " ".join(p for p in (product, variant) if p)
    if serial:
        text += f" (serial {serial})"
    text += " · November 2026"
    if member:
        text = f"{member}: {text}"
    sql = line_description(
        _text(product), _text(variant), _text(serial), "November 2026", _text(member)
    )
    assert _one(services, sql) == text[:300]
