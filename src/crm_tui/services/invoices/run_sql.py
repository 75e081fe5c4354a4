"""The billing run's text, written by the database: the same words Python would write.

The set-based run builds line descriptions, invoice numbers and history
values in SQL, so each rule here is the SQL twin of a Python one, named
beside it: `display_name` (services.common), `format_number` (models),
`format_invoice_number` (invoices.numbers) and `as_text` (services.history)
for amounts and dates. Tests compare the two on both engines.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm_tui.models.enums import CustomerKind

MAX_DESCRIPTION = 300


class zero_padded(FunctionElement[str]):  # noqa: N801  (reads as the SQL function it is)
    """An integer as text, zero-padded to a width and never cut: Python's f"{n:06d}"."""

    type = String()
    inherit_cache = True
    name = "zero_padded"

    def __init__(self, value: Any, width: int) -> None:
        super().__init__(value, literal(width))


@compiles(zero_padded, "postgresql")
def _padded_pg(element: zero_padded, compiler: SQLCompiler, **kw: Any) -> str:
    value, width = list(element.clauses)
    number = compiler.process(value, **kw)
    places = int(width.value)
    return (
        f"CASE WHEN length(CAST({number} AS TEXT)) >= {places} THEN CAST({number} AS TEXT) "
        f"ELSE lpad(CAST({number} AS TEXT), {places}, '0') END"
    )


@compiles(zero_padded, "sqlite")
def _padded_sqlite(element: zero_padded, compiler: SQLCompiler, **kw: Any) -> str:
    value, width = list(element.clauses)
    places = int(width.value)
    return f"printf('%0{places}d', {compiler.process(value, **kw)})"


class money_text(FunctionElement[str]):  # noqa: N801
    """A Money column as history keeps it: "128.70", "-0.50" (as_text of a Decimal)."""

    type = String()
    inherit_cache = True
    name = "money_text"


@compiles(money_text, "postgresql")
def _money_text_pg(element: money_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS NUMERIC(20, 2)) AS TEXT)"


@compiles(money_text, "sqlite")
def _money_text_sqlite(element: money_text, compiler: SQLCompiler, **kw: Any) -> str:
    cents = compiler.process(element.clauses, **kw)  # SQLite keeps integer cents
    return (
        f"(CASE WHEN ({cents}) < 0 THEN '-' ELSE '' END || (abs({cents}) / 100) || '.' || "
        f"substr('0' || (abs({cents}) % 100), -2))"
    )


class date_text(FunctionElement[str]):  # noqa: N801
    """A date column as ISO text, "2026-12-01" (as_text of a date)."""

    type = String()
    inherit_cache = True
    name = "date_text"


@compiles(date_text, "postgresql")
def _date_text_pg(element: date_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(date_text, "sqlite")
def _date_text_sqlite(element: date_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"  # stored as ISO text already


def _blank(value: Any) -> ColumnElement[bool]:
    return func.coalesce(value, "") == ""


def spaced(first: Any, second: Any) -> ColumnElement[str]:
    """The non-empty of two texts joined by a space: " ".join(p for p in (a, b) if p)."""
    return case(
        (_blank(first), func.coalesce(second, "")),
        (_blank(second), first),
        else_=first + literal(" ") + second,
    )


def display_name_sql(kind: Any, first: Any, last: Any, company: Any) -> ColumnElement[str]:
    """common.display_name in SQL: the company for a business, else the person."""
    person = func.nullif(spaced(first, last), "")
    company_name = func.nullif(company, "")
    return case(
        (kind == CustomerKind.BUSINESS.value, func.coalesce(company_name, person, "(no name)")),
        else_=func.coalesce(person, company_name, "(no name)"),
    )


def customer_number_sql(customer_id: Any) -> ColumnElement[str]:
    """models.format_number in SQL: C-000123."""
    return literal("C-") + zero_padded(customer_id, 6)


def line_description(
    product: Any, variant: Any, serial: Any, month_title: str, member: ColumnElement[str] | None
) -> ColumnElement[str]:
    """ "Fibre 500 (serial AB-1) · November 2026", after "C-000123 Acme: " on a group's
    invoice (`member`, NULL for a customer billed alone); at most 300 characters."""
    text = (
        spaced(product, variant)
        + case((_blank(serial), ""), else_=literal(" (serial ") + serial + literal(")"))
        + literal(f" · {month_title}")
    )
    if member is not None:
        text = func.coalesce(member + literal(": "), "") + text
    return func.substr(text, 1, MAX_DESCRIPTION)
