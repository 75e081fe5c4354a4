"""`crm import FILE`: customers from CSV, XLSX or vCard, a batch per transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, CliExit, guarded
from crm_tui.cli.interrupts import stop_requests
from crm_tui.text import literal
from crm_tui.wording import counted

if TYPE_CHECKING:
    from crm_tui.services.imports.service import ImportService, ImportSummary


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip():
            raise CliExit(f"--mapping {pair!r} is not HEADER=FIELD (e.g. 'Mobile=phone').")
        out[header] = field
    return out


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--on-duplicate",
    type=click.Choice(["skip", "update", "create"]),
    default="skip",
    show_default=True,
    help="What to do with a row whose e-mail (then phone) is already on file.",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option(
    "--mapping",
    "mappings",
    multiple=True,
    metavar="HEADER=FIELD",
    help="Send a column to a field (or 'ignore'); repeatable. Headers match ignoring case.",
)
@click.option(
    "--refused",
    "refused_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write refused rows (default FILE.refused.csv; none on a dry run).",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy", "ymd"]),
    help="How dates like 03/04/1985 are written, when the file's dates do not show it.",
)
@click.option("--show-mapping", is_flag=True, help="Print how the columns map and stop.")
@click.option(
    "--accept-stray-quotes",
    is_flag=True,
    help="Import the rows after a quote that does not close (that row is still refused).",
)
@click.option(
    "--template",
    type=click.Choice(["csv", "xlsx"]),
    help="Write FILE as a template (every column, one example row) instead of importing.",
)
@click.pass_context
@guarded
def import_command(
    ctx: click.Context,
    file: Path,
    on_duplicate: str,
    dry_run: bool,
    mappings: tuple[str, ...],
    refused_path: Path | None,
    date_order: str | None,
    show_mapping: bool,
    accept_stray_quotes: bool,
    template: str | None,
) -> None:
    """Import customers from a CSV, XLSX or vCard file.

    Headers of Google Contacts, Outlook, Thunderbird, Shopify, HubSpot and
    Stripe exports (and crm's own export) are recognised. A row is refused
    only when it cannot make a customer; it is written, with the reason, to
    FILE.refused.csv, which can be fixed and imported again. A value that
    does not pass its rule is left out of the customer and listed, with its
    row, column and reason, in FILE.not-imported.csv.

    \b
    Examples:
      crm import contacts.csv --dry-run
      crm import shopify.csv --on-duplicate update
      crm import list.xlsx --mapping "Mobile=phone" --mapping "Ref=ignore"
      crm import --template xlsx customers.xlsx
    """
    from crm_tui.services.imports.service import ImportService

    if template is not None:
        from crm_tui.services.imports.template import write_template

        write_template(file, template)
        click.echo(f"Wrote {file}: every column import reads, with one example row to replace.")
        return
    overrides = _overrides(mappings)
    reading = dry_run or show_mapping
    services = services_from(ctx, "read" if reading else "create")
    try:
        service = ImportService(services.ctx)
        if show_mapping:
            _print_mapping(service, file, overrides)
            return
        summary = _run_with_progress(
            service,
            file,
            on_duplicate,
            dry_run,
            overrides,
            refused_path,
            date_order,
            accept_stray_quotes,
        )
    finally:
        services.close()
    _print_summary(summary)
    _exit_for(summary)


def _print_mapping(service: ImportService, file: Path, overrides: dict[str, str]) -> None:
    """--show-mapping: which column goes to which field, and nothing imported."""
    mapping = service.mapping_for(file, overrides)
    click.echo(f"Recognised as: {mapping.product}")
    for header, label in mapping.describe():
        click.echo(f"  {literal(header)!s:<32} -> {label}")


def _exit_for(summary: ImportSummary) -> None:
    """The exit code contract: interrupted, stopped at a stray quote, or nothing imported."""
    if summary.cancelled:
        raise CliExit(_stopped(summary), EXIT_INTERRUPTED)
    if summary.halted_at is not None:
        raise CliExit(
            f"{literal(summary.halt_reason)} Nothing after line {summary.halted_at:,} was "
            "imported: fix the quote and import again, or run again with "
            "--accept-stray-quotes to import the rest (that line stays refused).",
            2,
        )
    if summary.rows and summary.refused == summary.rows:
        raise CliExit("No row could be imported.", 2)


def _resume_hint(mode: str) -> str:
    from crm_tui.services.imports.summary import resume_mode

    return f"run the same import again with --on-duplicate {resume_mode(mode)} to finish"


def _stopped(s: ImportSummary) -> str:
    if s.dry_run:
        return f"Interrupted after checking {s.rows:,} rows; nothing was written (dry run)."
    return f"Interrupted: {s.done_text()}; {_resume_hint(s.mode)}."


def _run_with_progress(
    service: ImportService,
    file: Path,
    mode: str,
    dry_run: bool,
    overrides: dict[str, str],
    refused_path: Path | None,
    date_order: str | None,
    accept_stray_quotes: bool = False,
) -> ImportSummary:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crm_tui.services.imports.service import ImportProgress

    console = Console(stderr=True)
    done = [0]  # rows in batches already finished (saved or refused)
    with Progress(
        TextColumn("Importing" if not dry_run else "Checking"), BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as progress, stop_requests("the import") as stop:  # fmt: skip
        task = progress.add_task("import", total=1.0, counts="")

        def report(update: ImportProgress) -> None:
            s = update.summary
            done[0] = s.rows
            counts = (
                f"{s.rows:,} rows, {s.created:,} new, {s.updated:,} updated, {s.refused:,} refused"
            )
            progress.update(task, completed=update.fraction, counts=counts)

        try:
            return service.run(
                file, overrides=overrides or None, on_duplicate=mode, dry_run=dry_run,
                refused_path=refused_path, date_order=date_order, progress=report,
                cancelled=stop, accept_stray_quotes=accept_stray_quotes,
            )  # fmt: skip
        except KeyboardInterrupt:  # a second Ctrl-C: the batch in hand is rolled back
            if dry_run:
                raise CliExit(
                    "Interrupted; nothing was written (dry run).", EXIT_INTERRUPTED
                ) from None
            raise CliExit(
                f"Interrupted: the first {done[0]:,} rows were done (saved or refused); the batch after "
                f"them may not have been; {_resume_hint(mode)}.",
                EXIT_INTERRUPTED,
            ) from None


def _print_summary(s: ImportSummary) -> None:
    head = "Dry run, nothing was written" if s.dry_run else "Imported"
    click.echo(
        f"{head}: {literal(s.path.name)} ({s.product}, {s.encoding}), {s.rows:,} rows in "
        f"{s.seconds:.1f} s ({s.rows_per_second:,.0f} rows/s)."
    )
    would = "would be " if s.dry_run else ""
    click.echo(f"  created   {s.created:>9,}  {would}new customers")
    click.echo(f"  updated   {s.updated:>9,}  {would}updated (--on-duplicate {s.mode})")
    click.echo(f"  unchanged {s.unchanged:>9,}  already up to date")
    click.echo(f"  skipped   {s.skipped:>9,}  already on file")
    click.echo(f"  refused   {s.refused:>9,}")
    for reason, count in s.reasons.most_common(10):
        click.echo(f"    {count:>7,}  {literal(reason)}")
    for number, reason in s.examples[:5]:
        click.echo(f"    row {number}: {literal(reason)}")
    if s.unverified_phones:
        click.echo(
            f"  {counted(s.unverified_phones, 'phone number')} kept unverified "
            "(the right length, but not a number in use)."
        )
    if s.not_imported:
        click.echo("Not imported:")
        for line in s.not_imported_lines()[:20]:
            click.echo(f"  {literal(line)}")
    if s.values_file:
        click.echo(f"Each value not imported, with its row and reason, is in {s.values_file}.")
    if s.refused_file:
        click.echo(
            f"Refused rows, with the reason, are in {s.refused_file}; fix and import it again."
        )
