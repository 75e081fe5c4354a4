"""`crm import`, `crm export` and `crm merge`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.text import literal

if TYPE_CHECKING:
    from crm_tui.services.exports.service import ExportResult
    from crm_tui.services.imports.service import ImportSummary


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
    services = services_from(ctx)
    try:
        service = ImportService(services.ctx)
        if show_mapping:
            mapping = service.mapping_for(file, overrides)
            click.echo(f"Recognised as: {mapping.product}")
            for header, label in mapping.describe():
                click.echo(f"  {literal(header)!s:<32} -> {label}")
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
    if summary.halted_at is not None:
        raise CliExit(
            f"{literal(summary.halt_reason)} Nothing after line {summary.halted_at:,} was "
            "imported: fix the quote and import again, or run again with "
            "--accept-stray-quotes to import the rest (that line stays refused).",
            2,
        )
    if summary.rows and summary.refused == summary.rows:
        raise CliExit("No row could be imported.", 2)


def _run_with_progress(
    service: object,
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

    from crm_tui.services.imports.service import ImportProgress, ImportService

    assert isinstance(service, ImportService)
    console = Console(stderr=True)
    with Progress(
        TextColumn("Importing" if not dry_run else "Checking"), BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("import", total=1.0, counts="")

        def report(update: ImportProgress) -> None:
            s = update.summary
            counts = (
                f"{s.rows:,} rows, {s.created:,} new, {s.updated:,} updated, {s.refused:,} refused"
            )
            progress.update(task, completed=update.fraction, counts=counts)

        return service.run(
            file, overrides=overrides or None, on_duplicate=mode, dry_run=dry_run,
            refused_path=refused_path, date_order=date_order, progress=report,
            accept_stray_quotes=accept_stray_quotes,
        )  # fmt: skip


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
            f"  {s.unverified_phones:,} phone number(s) kept unverified "
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
    if s.cancelled:
        click.echo("The import was stopped early; run it again with --on-duplicate skip to finish.")


@click.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "vcf", "json"]),
    help="File format (default: from the file name, else CSV).",
)
@click.option("--query", "-q", default="", help="Only customers this search matches.")
@click.option(
    "--customer",
    "customer_ref",
    metavar="ID|EMAIL",
    help="Everything held about one customer, as JSON (data-protection request).",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_context
@guarded
def export_command(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    query: str,
    customer_ref: str | None,
    force: bool,
) -> None:
    """Export customers to CSV, XLSX, vCard or JSON, streamed.

    Cells a spreadsheet would run as formulas are neutralised with a leading
    apostrophe; amounts are numbers and phone numbers stay as they are, so
    the file imports back unchanged.

    \b
    Examples:
      crm export customers.csv
      crm export vip.xlsx --query "vip"
      crm export c42.json --customer C-000042
    """
    services = services_from(ctx)
    try:
        if customer_ref:
            if fmt not in (None, "json"):
                raise CliExit("--customer writes JSON only; drop --format or use --format json.")
            from crm_tui.services.exports.person import write_person_json

            customer = services.customers.resolve(customer_ref)
            target = write_person_json(services.ctx, customer.id, file, overwrite=force)
            click.echo(f"Wrote everything held about {customer.number} to {target}.")
            return
        from crm_tui.services.exports.service import ExportService

        result = _export_with_progress(ExportService(services.ctx), file, fmt, query, force)
    finally:
        services.close()
    click.echo(
        f"Exported {result.rows:,} customers to {result.path} ({result.format.upper()}) "
        f"in {result.seconds:.1f} s."
    )
    if result.rows == 0 and query:
        raise CliExit(f"No customer matches {query!r}.", 1)


def _export_with_progress(
    service: object, file: Path, fmt: str | None, query: str, force: bool
) -> ExportResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from crm_tui.services.exports.service import ExportSelection, ExportService

    assert isinstance(service, ExportService)
    console = Console(stderr=True)
    with Progress(
        TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), console=console,
        transient=True, disable=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("export", total=None)
        result: ExportResult = service.export(
            file, fmt=fmt, selection=ExportSelection(query=query), overwrite=force,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )  # fmt: skip
    return result


@click.command("merge")
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--keep", "keep_ref", metavar="ID", help="The customer that survives (default the first)."
)
@click.option("--yes", "-y", is_flag=True, help="Merge without asking.")
@click.option(
    "--take",
    "takes",
    multiple=True,
    metavar="FIELD=ID",
    help="Take a field's value from another customer (e.g. phone=C-000040); repeatable.",
)
@click.pass_context
@guarded
def merge_command(
    ctx: click.Context,
    ids: tuple[str, ...],
    keep_ref: str | None,
    yes: bool,
    takes: tuple[str, ...],
) -> None:
    """Merge duplicate customers into one, moving everything to the survivor.

    Addresses, contacts, subscriptions, orders, payments, cards, notes, tags,
    segment memberships and history move to the kept customer; the others
    stay as "merged" pointing at it. Empty fields of the kept customer take
    the others' values unless --take says otherwise.

    \b
    Examples:
      crm merge C-000012 C-000040
      crm merge 12 40 77 --keep 40 --take email=12 --yes
    """
    from crm_tui.services.merge.service import CHOICE_FIELDS, MergeService

    services = services_from(ctx)
    try:
        resolved = [services.customers.resolve(ref).id for ref in ids]
        keep = services.customers.resolve(keep_ref).id if keep_ref else resolved[0]
        choices: dict[str, int] = {}
        for take in takes:
            field, sep, ref = take.partition("=")
            if not sep or field not in CHOICE_FIELDS:
                raise CliExit(
                    f"--take {take!r} is not FIELD=ID with a customer field (e.g. phone=12)."
                )
            choices[field] = services.customers.resolve(ref).id
        service = MergeService(services.ctx)
        plan = service.plan(resolved, keep)
        for customer in plan.customers:
            mark = "keep " if customer.id == keep else "merge"
            click.echo(
                f"  {mark} {customer.number}  {literal(customer.display_name)}  {literal(customer.email or '')}"
            )
        for choice in plan.fields:
            if choice.differs:
                winner = choices.get(choice.field, choice.default)
                value = dict(choice.values)[winner]
                click.echo(f"    {choice.field:<20} {literal(value) or '(empty)'}")
        moving = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in sorted(plan.children.items()))
        click.echo(f"  moves: {moving or 'no child rows'}")
        if not yes:
            if not sys.stdin.isatty():
                raise CliExit("Add --yes to merge without a terminal to confirm on.")
            click.confirm("Merge these customers?", abort=True)
        versions = {c.id: c.version for c in plan.customers}
        result = service.merge(resolved, keep=keep, choices=choices, expected_versions=versions)
    except click.Abort:
        raise CliExit("Nothing was merged.", 1) from None
    finally:
        services.close()
    click.echo(f"Merged {len(result.merged)} customer(s) into {result.survivor.number}.")
