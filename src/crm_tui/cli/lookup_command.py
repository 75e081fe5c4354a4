"""`crm lookup QUERY`: the list screen's search, one line per customer."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from crm_tui.cli.common import services_from, settings_from
from crm_tui.cli.errors import EXIT_NOT_FOUND, CliExit, guarded
from crm_tui.text import literal

if TYPE_CHECKING:
    from crm_tui.services.search import CustomerRow, Page

STATUSES = ["active", "inactive", "prospect", "churned", "blocked", "merged"]


@click.command("lookup")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--limit",
    "-n",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="At most this many customers.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per line (id, number, name, kind, status, email, phone, company, lifetime_value, currency, active_subscriptions, near_miss).",
)
@click.option("--status", type=click.Choice(STATUSES), help="Only customers with this status.")
@click.option(
    "--kind", type=click.Choice(["individual", "business"]), help="Only individuals or businesses."
)
@click.pass_context
@guarded
def lookup(
    ctx: click.Context,
    query: tuple[str, ...],
    limit: int,
    as_json: bool,
    status: str | None,
    kind: str | None,
) -> None:
    """Find customers by name, company, e-mail, phone (any format) or number.

    Same search and ranking as the app's list: exact e-mail, phone and number
    hits first; near misses (typos) when nothing matches, marked with ≈.
    Exits 1 when nothing matches.

    \b
    Examples:
      crm lookup smith
      crm lookup "020 7946 0958"
      crm lookup acme smith --kind business
      crm lookup jonh --json --limit 5 | jq .email
    """
    from crm_tui.services.search.query import check_query

    text = check_query(" ".join(query))
    found = _lean(ctx, text, limit) if status is None and kind is None else None
    page, currency = found or _full(ctx, text, limit, status, kind)
    if not page.rows:
        raise CliExit(f"No customer matches {' '.join(query)!r}.", EXIT_NOT_FOUND)
    if as_json:
        for row in page.rows:
            click.echo(json.dumps(_row_json(row, currency), ensure_ascii=True))
    else:
        _print_rows(page.rows, currency)


def _lean(ctx: click.Context, text: str, limit: int) -> tuple[Page, str] | None:
    """The lean read path (no SQLAlchemy); None when it hands over to the full path."""
    from crm_tui.services.search import lean

    try:
        return lean.lookup(settings_from(ctx, check_url=False), text, limit)
    except Exception:  # Unusual, or any failure: the full path does it again and says why
        return None


def _full(
    ctx: click.Context, text: str, limit: int, status: str | None, kind: str | None
) -> tuple[Page, str]:
    from crm_tui.services.search import SearchFilters

    services = services_from(ctx, "read")
    try:
        filters = SearchFilters(status=status, kind=kind, include_merged=status == "merged")
        return services.search.search(text, filters, limit=limit), services.ctx.reporting_currency
    finally:
        services.close()


def _row_json(row: CustomerRow, currency: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "name": row.display_name,
        "kind": row.kind,
        "status": row.status,
        "email": row.email,
        "phone": row.phone,
        "company": row.company_name,
        "lifetime_value": str(row.lifetime_value),
        "currency": currency,  # of lifetime_value: the reporting currency
        "active_subscriptions": row.active_subscriptions,
        "near_miss": row.near_miss,
    }


def _print_rows(rows: tuple[CustomerRow, ...], currency: str) -> None:
    """Tab-separated lines into a pipe; a table on a terminal. Stored text stays literal.

    In a pipe the lifetime value stays a bare number with its currency in a
    last column of its own, so scripts that read the columns keep working.
    """
    from crm_tui.services.money.shown import in_currency
    from crm_tui.services.phones import format_phone

    cells = [
        [
            row.number,
            ("≈ " if row.near_miss else "") + literal(row.display_name),
            literal(row.email),
            format_phone(row.phone),
            row.status,
            str(row.lifetime_value),
        ]
        for row in rows
    ]
    if not sys.stdout.isatty():
        for line in cells:
            click.echo("\t".join([*line, currency]))
        return
    for line in cells:
        line[-1] = in_currency(Decimal(line[-1]), currency)
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        "Number", "Name", "E-mail", "Phone", "Status", "Lifetime value", box=None, pad_edge=False
    )
    for line in cells:
        table.add_row(*(Text(cell, overflow="ellipsis", no_wrap=True) for cell in line))
    Console(highlight=False).print(table)
