"""`crm rates set|list|import`: exchange rates into the reporting currency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import guarded

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crm_tui.services.money.rates import RateRead, RatesSaved


@click.group("rates")
def rates_group() -> None:
    """Exchange rates that turn every amount into the reporting currency.

    A rate says what one unit of a currency is worth in the reporting
    currency (config `reporting_currency`, else your locale's, else GBP)
    from a day on, until the next rate of that currency. Setting or importing
    rates recomputes, in the same transaction, every payment and figure they
    change.
    """


# A rate typed as -1 must reach the service's one-sentence refusal, not be read as an option.
@rates_group.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("currency")
@click.argument("rate")
@click.option(
    "--from", "valid_from", metavar="YYYY-MM-DD", help="First day it applies (default today)."
)
@click.pass_context
@guarded
def set_command(ctx: click.Context, currency: str, rate: str, valid_from: str | None) -> None:
    """Set what one unit of CURRENCY is worth in the reporting currency from a day on.

    \b
    Example:
      crm rates set EUR 0.85 --from 2026-01-01
    """
    from datetime import date

    from crm_tui.services.money.rates import RateInput

    services = services_from(ctx, "write")
    try:
        saved = services.rates.set(RateInput(currency, rate, valid_from or date.today()))
    finally:
        services.close()
    row = saved.rates[0]
    click.echo(
        f"1 {row.currency} = {row.rate.normalize():f} {row.quote} from "
        f"{row.valid_from.isoformat()}; {_recomputed(saved)}"
    )


@rates_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
@guarded
def import_command(ctx: click.Context, file: Path) -> None:
    """Set every rate in a CSV file with the columns currency, rate, from (all or none).

    \b
    Example file:
      currency,rate,from
      EUR,0.85,2026-01-01
      USD,0.79,2026-01-01
    """
    services = services_from(ctx, "write")
    try:
        saved = services.rates.import_csv(file)
    finally:
        services.close()
    quote = saved.rates[0].quote
    click.echo(f"Set {len(saved.rates):,} rate(s) into {quote}; {_recomputed(saved)}")


@rates_group.command("list")
@click.option("--currency", metavar="CODE", help="Only this currency's rates.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
@guarded
def list_command(ctx: click.Context, currency: str | None, as_json: bool) -> None:
    """List the rates into the reporting currency, and paid payments that have none.

    Exits 1 when there is no rate to list.
    """
    services = services_from(ctx, "read")
    try:
        quote = services.rates.currency
        rows = services.rates.stored(currency)
        gaps = services.rates.unpriced()
    finally:
        services.close()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "currency": r.currency,
                        "quote": r.quote,
                        "rate": str(r.rate.normalize()),
                        "from": r.valid_from.isoformat(),
                        "set_by": r.set_by,
                    }
                    for r in rows
                ],  # fmt: skip
                indent=2,
            )
        )
    else:
        _print_rates(quote, rows)
        for gap in gaps:
            click.echo(
                f"No rate: {gap.payments:,} paid payment(s) in {gap.currency} "
                f"({gap.currency} {gap.amount:,.2f}) are left out of every {quote} figure.",
                err=True,
            )
    if not rows:
        raise SystemExit(1)


def _print_rates(quote: str, rows: Sequence[RateRead]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from crm_tui.text import literal

    console = Console(highlight=False)
    console.print(Text(f"Reporting currency: {quote}"))
    if not rows:
        console.print(Text(f"No rates into {quote} yet; `crm rates set EUR 0.85 --from DATE`."))
        return
    table = Table(box=None, pad_edge=False)
    for name, justify in (("Currency", "left"), ("From", "left"), ("Rate", "right"),
                          ("", "left"), ("Set by", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            Text(f"1 {row.currency}"), Text(row.valid_from.isoformat()),
            Text(f"{row.rate.normalize():f}"), Text(row.quote), Text(literal(row.set_by)),
        )  # fmt: skip
    console.print(table)


def _recomputed(saved: RatesSaved) -> str:
    return f"recomputed {saved.payments_recomputed:,} payment(s) and their customers' figures."
