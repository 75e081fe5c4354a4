"""`crm export FILE`: customers (or everything about one) to a new private file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, EXIT_NOT_FOUND, CliExit, guarded
from crm_tui.cli.interrupts import stop_requests
from crm_tui.text import literal
from crm_tui.wording import counted

if TYPE_CHECKING:
    from crm_tui.services.exports.service import ExportResult, ExportService
    from crm_tui.services.registry import Services


@click.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "vcf", "json"]),
    help="File format (default: from the file name, else CSV); must agree with a known suffix.",
)
@click.option("--query", "-q", default=None, help="Only customers this search matches.")
@click.option(
    "--customer",
    "customer_ref",
    metavar="ID|EMAIL",
    help="Everything held about one customer, as JSON (data-protection request).",
)
@click.option(
    "--force", is_flag=True, help="Replace FILE if it is an existing file (never a link or device)."
)
@click.pass_context
@guarded
def export_command(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    query: str | None,
    customer_ref: str | None,
    force: bool,
) -> None:
    """Export customers to CSV, XLSX, vCard or JSON, streamed.

    Cells a spreadsheet would run as formulas are neutralised with a leading
    apostrophe; amounts are numbers and phone numbers stay as they are, so
    the file imports back unchanged. The file is private to you (0600) and
    appears only when complete.

    \b
    Examples:
      crm export customers.csv
      crm export vip.xlsx --query "vip"
      crm export c42.json --customer C-000042
    """
    from crm_tui.services.roles import Capability
    from crm_tui.services.search.query import check_query

    if query is not None:
        query = check_query(query)
    if customer_ref and query is not None:
        raise CliExit("Give --customer or --query, not both.")
    services = services_from(ctx, "read", Capability.PERSON_EXPORT if customer_ref else None)
    try:
        if customer_ref:
            _export_person(services, file, fmt, customer_ref, force)
            return
        result = _export_with_progress(services.exports, file, fmt, query or "", force)
    finally:
        services.close()
    if result.cancelled:
        raise CliExit(f"Interrupted; nothing was written to {file}.", EXIT_INTERRUPTED)
    click.echo(
        f"Exported {counted(result.rows, 'customer')} to {literal(result.path)} "
        f"({result.format.upper()}) in {result.seconds:.1f} s."
    )
    if result.rows == 0 and query:
        raise CliExit(f"No customer matches {query!r}.", EXIT_NOT_FOUND)


def _export_person(
    services: Services, file: Path, fmt: str | None, reference: str, force: bool
) -> None:
    if fmt not in (None, "json"):
        raise CliExit("--customer writes JSON only; drop --format or use --format json.")
    from crm_tui.services.exports.person import write_person_json

    customer = services.customers.resolve(reference)
    target = write_person_json(services.ctx, customer.id, file, overwrite=force)
    click.echo(f"Wrote everything held about {customer.number} to {literal(target)}.")


def _export_with_progress(
    service: ExportService, file: Path, fmt: str | None, query: str, force: bool
) -> ExportResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from crm_tui.services.exports.service import ExportSelection

    console = Console(stderr=True)
    with Progress(
        TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), console=console,
        transient=True, disable=not console.is_terminal,
    ) as progress, stop_requests("the export") as stop:  # fmt: skip
        task = progress.add_task("export", total=None)
        try:
            return service.export(
                file, fmt=fmt, selection=ExportSelection(query=query), overwrite=force,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                cancelled=stop,
            )  # fmt: skip
        except KeyboardInterrupt:  # a second Ctrl-C: the temp file is already gone
            raise CliExit(
                f"Interrupted; nothing was written to {file}.", EXIT_INTERRUPTED
            ) from None
