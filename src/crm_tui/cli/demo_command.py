"""`crm demo`: fill the database with realistic demo customers."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, CliExit, guarded
from crm_tui.cli.interrupts import stop_requests

if TYPE_CHECKING:
    from crm_tui.services.demo.builder import DemoBuilder, DemoResult


@click.command("demo")
@click.option(
    "--customers",
    "-n",
    default=2_000,
    show_default=True,
    type=click.IntRange(1, 5_000_000),
    help="How many customers to add.",
)
@click.option(
    "--seed", default=42, show_default=True, type=int, help="The same seed gives the same data."
)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date the data is relative to (default today).",
)
@click.pass_context
@guarded
def demo(ctx: click.Context, customers: int, seed: int, as_of: object) -> None:
    """Add realistic demo customers with contacts, subscriptions, payments and notes.

    \b
    Examples:
      crm demo
      crm demo --customers 100000 --seed 7
    """
    from datetime import datetime

    from crm_tui.services.demo.builder import DemoBuilder

    if ctx.find_root().params.get("read_only"):
        raise CliExit("crm demo adds customers; run it without --read-only.")
    services = services_from(ctx, "create")
    day: date | None = as_of.date() if isinstance(as_of, datetime) else None
    try:
        result = fill_with_progress(DemoBuilder(services.ctx, seed=seed, as_of=day), customers)
    except KeyboardInterrupt:  # a second Ctrl-C: the batch in hand rolled back
        raise CliExit(
            "Interrupted; the demo customers added before the batch in hand were saved.",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        services.close()
    click.echo(
        f"Added {result.customers:,} customers ({result.rows:,} rows) in {result.seconds:.1f} s "
        f"({result.rows / max(result.seconds, 1e-9):,.0f} rows/s)."
    )
    if result.invoices:
        click.echo(
            f"Issued {result.invoices:,} demo invoices; {result.reminders:,} reminders were "
            "recorded as sent (their .eml files were not kept)."
        )
    if result.customers < customers:
        raise CliExit(
            f"Interrupted after {result.customers:,} of {customers:,} customers; those are saved.",
            EXIT_INTERRUPTED,
        )


def fill_with_progress(builder: DemoBuilder, customers: int) -> DemoResult:
    """The build under a progress bar: customers done, rows written per second, time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("Demo customers"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("demo", total=customers, rate="")

        def advance(count: int) -> None:
            progress.advance(task, count)
            elapsed = progress.tasks[task].elapsed or 0.0
            if elapsed > 0:
                progress.update(task, rate=f"{builder.rows / elapsed:,.0f} rows/s")

        with stop_requests("the demo load") as stop:
            return builder.run(customers, progress=advance, cancelled=stop)
