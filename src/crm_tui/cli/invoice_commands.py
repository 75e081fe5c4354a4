"""`crm invoice list|run|pdf`: invoices from a shell or a script."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import CliExit, guarded

if TYPE_CHECKING:
    from crm_tui.services.invoices.reads import InvoiceRead

STATUSES = ("draft", "issued", "partly-paid", "paid", "void")


@click.group("invoice")
def invoice_group() -> None:
    """List, bill and print invoices."""


@invoice_group.command("list")
@click.option("--customer", "customer_ref", metavar="ID|EMAIL", help="Only this customer's.")
@click.option("--status", type=click.Choice(STATUSES), help="Only invoices in this state.")
@click.option("--overdue", is_flag=True, help="Only issued invoices unpaid after their due date.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
@guarded
def list_command(
    ctx: click.Context,
    customer_ref: str | None,
    status: str | None,
    overdue: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List invoices, newest first (overdue ones by due date). Exits 1 when none match.

    \b
    Examples:
      crm invoice list --overdue
      crm invoice list --customer C-000042 --json
    """
    services = services_from(ctx, "read")
    try:
        customer_id = services.customers.resolve(customer_ref).id if customer_ref else None
        found = services.invoices.list(
            customer_id=customer_id,
            status=status.replace("-", "_") if status else None,
            overdue_on=date.today() if overdue else None,
            limit=limit,
        )
    finally:
        services.close()
    if as_json:
        click.echo(json.dumps([invoice_json(i) for i in found], ensure_ascii=True, indent=2))
    else:
        print_table(found)
    if not found:
        raise SystemExit(1)


def invoice_json(invoice: InvoiceRead) -> dict[str, Any]:
    today = date.today()
    return {
        "id": invoice.id, "number": invoice.number, "kind": invoice.kind,
        "customer_id": invoice.customer_id, "customer": invoice.customer_name,
        "status": invoice.status.replace("_", "-"), "currency": invoice.currency,
        "issue_date": _iso(invoice.issue_date), "due_date": _iso(invoice.due_date),
        "subtotal": str(invoice.subtotal), "tax": str(invoice.tax), "total": str(invoice.total),
        "paid": str(invoice.settled), "owed": str(invoice.owed),
        "days_overdue": invoice.days_overdue(today),
    }  # fmt: skip


def print_table(found: list[InvoiceRead]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from crm_tui.text import literal

    table = Table(box=None, pad_edge=False)
    for name, justify in (("Number", "left"), ("Customer", "left"), ("Issued", "left"),
                          ("Due", "left"), ("Status", "left"), ("Total", "right"),
                          ("Owed", "right"), ("", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    today = date.today()
    for i in found:
        late = i.days_overdue(today)
        table.add_row(
            Text(i.label), Text(literal(i.customer_name)), Text(_iso(i.issue_date) or "-"),
            Text(_iso(i.due_date) or "-"), Text(i.status.replace("_", " ")),
            Text(f"{i.total:,.2f}"), Text(f"{i.owed:,.2f}"),
            Text(f"{i.currency}" + (f"  {late} days overdue" if late else "")),
        )  # fmt: skip
    Console(highlight=False).print(table)


@invoice_group.command("run")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to bill.")
@click.option("--on", "issue_on", metavar="DATE", help="Issue date (default today).")
@click.option("--dry-run", is_flag=True, help="Count what would be issued; write nothing.")
@click.pass_context
@guarded
def run_command(ctx: click.Context, month: str, issue_on: str | None, dry_run: bool) -> None:
    """Issue the month's invoices for active subscriptions.

    One invoice per customer and currency; a billing group's members share
    one, addressed to its lead member. Running a month again issues nothing
    new; an interrupted run keeps what it issued and the next run does the rest.

    \b
    Examples:
      crm invoice run --month 2026-11 --dry-run
      crm invoice run --month 2026-11
    """
    from rich.console import Console

    from crm_tui.services.invoices.periods import Month
    from crm_tui.services.invoices.run import BillingRun
    from crm_tui.services.validation import parse_date

    period = Month.parse(month)
    on = parse_date(issue_on, "on") if issue_on else None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    services = services_from(ctx, "read" if dry_run else "write")
    try:
        run = BillingRun(services.ctx, tax_rate=services.ctx.invoicing.tax_rate)
        with Progress(
            TextColumn("Billing payers"), BarColumn(), MofNCompleteColumn(), transient=True,
            console=Console(stderr=True),
        ) as bar:  # fmt: skip
            task = bar.add_task("run", total=None)
            result = run.run(
                period, on=on, dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
    except KeyboardInterrupt:
        raise CliExit(
            "Interrupted; the invoices issued before the stop are kept, run it again for the rest.",
            130,
        ) from None
    finally:
        services.close()
    verb = "would issue" if dry_run else "issued"
    sums = ", ".join(f"{total:,.2f} {cur}" for cur, total in sorted(result.totals.items()))
    click.echo(
        f"{result.month}: {verb} {result.invoices} invoices with {result.lines} lines"
        + (f" ({sums})." if sums else ".")
    )


@invoice_group.command("pdf")
@click.argument("number")
@click.option(
    "--out", "out", type=click.Path(path_type=Path), help="File to write (default NUMBER.pdf)."
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.pass_context
@guarded
def pdf_command(ctx: click.Context, number: str, out: Path | None, force: bool) -> None:
    """Write an invoice as an A4 PDF (readable by you only).

    \b
    Example:
      crm invoice pdf INV-2026-000123 --out ~/invoice.pdf
    """
    from crm_tui.services.invoices.documents import default_pdf_name

    services = services_from(ctx, "read")
    try:
        doc = services.invoices.document(number)
        target = out or Path(default_pdf_name(doc))
        services.invoices.pdf(number, target, overwrite=force)
    finally:
        services.close()
    click.echo(f"Wrote {doc.detail.invoice.label} to {target}.")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
