"""`crm demo`: fill the database with realistic demo customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, CliExit, guarded
from crm_tui.cli.interrupts import stop_requests
from crm_tui.text import literal

if TYPE_CHECKING:
    from crm_tui.services.demo.builder import DemoBuilder, DemoResult

Progressed = Callable[[int], None]
Stop = Callable[[], bool]
Phase = Callable[[str], None]


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

    from crm_tui.cli.common import settings_from
    from crm_tui.services.demo.new_database import new_database_path

    if ctx.find_root().params.get("read_only"):
        raise CliExit("crm demo adds customers; run it without --read-only.")
    day: date | None = as_of.date() if isinstance(as_of, datetime) else None
    new_file = new_database_path(settings_from(ctx))
    try:
        if new_file is not None:
            result = _new_database(ctx, new_file, customers, seed, day)
        else:
            result = _into_database(ctx, customers, seed, day)
    except KeyboardInterrupt:  # a second Ctrl-C: the batch in hand rolled back
        raise CliExit(
            "Interrupted; nothing was saved (the new database is only kept whole)."
            if new_file is not None
            else "Interrupted; the demo customers added before the batch in hand were saved.",
            EXIT_INTERRUPTED,
        ) from None
    if result.customers < customers and new_file is not None:
        raise CliExit(
            f"Interrupted after {result.customers:,} of {customers:,} customers; nothing was "
            f"saved (the new database at {literal(str(new_file))} is only kept whole).",
            EXIT_INTERRUPTED,
        )
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


def _into_database(ctx: click.Context, customers: int, seed: int, day: date | None) -> DemoResult:
    """The demo added to an existing database (clerks may be using it), batch by batch."""
    from crm_tui.services.demo.builder import DemoBuilder

    services = services_from(ctx, "create")
    try:
        return fill_in_place(DemoBuilder(services.ctx, seed=seed, as_of=day), customers)
    finally:
        services.close()


def fill_in_place(builder: DemoBuilder, customers: int) -> DemoResult:
    """`builder` adding `customers` under the progress bar."""
    return fill_with_progress(
        customers, lambda: builder.rows,
        lambda progress, stop, phase: builder.run(customers, progress, stop, phase),
    )  # fmt: skip


def _new_database(
    ctx: click.Context, path: Path, customers: int, seed: int, day: date | None
) -> DemoResult:
    """The demo built as a new database file, put in place whole (services/demo/new_database.py)."""
    from crm_tui.cli.common import settings_from
    from crm_tui.services.demo.new_database import build_new_database

    seen: list[DemoBuilder] = []

    def build(progress: Progressed, stop: Stop, phase: Phase) -> DemoResult:
        return build_new_database(
            settings_from(ctx), path, customers, seed=seed, as_of=day,
            progress=progress, cancelled=stop, phase=phase, rows_seen=seen.append,
        )  # fmt: skip

    return fill_with_progress(customers, lambda: seen[0].rows if seen else 0, build)


def fill_with_progress(
    customers: int,
    rows: Callable[[], int],
    run: Callable[[Progressed, Stop, Phase], DemoResult],
) -> DemoResult:
    """`run` under a progress bar: customers done, rows written per second (`rows()` so
    far), time left; then what is done after the load (indexes, invoices) by name."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), TimeElapsedColumn(),
        transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("Demo customers", total=customers, rate="")

        def advance(count: int) -> None:
            progress.advance(task, count)
            elapsed = progress.tasks[task].elapsed or 0.0
            if elapsed > 0:
                progress.update(task, rate=f"{rows() / elapsed:,.0f} rows/s")

        def phase(words: str) -> None:
            progress.update(task, description=f"{words}…")

        with stop_requests("the demo load") as stop:
            return run(advance, stop, phase)
