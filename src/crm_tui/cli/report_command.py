"""`crm report revenue|invoices|payments`: the customer reports."""

from __future__ import annotations

from pathlib import Path

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.wording import counted

KINDS = ("revenue", "invoices", "payments")


@click.command("report")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--from", "start", metavar="DATE", help="First day included.")
@click.option("--to", "end", metavar="DATE", help="Last day included.")
@click.option("--customer", "customer_ref", metavar="ID|EMAIL", help="Only this customer.")
@click.option("--by", type=click.Choice(("customer", "month")), default="customer",
              show_default=True, help="Revenue per customer or per month.")  # fmt: skip
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "xlsx", "json")),
    help="Default: from --out, else csv.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Write to this file (0600) instead of stdout."
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.pass_context
@guarded
def report(
    ctx: click.Context, kind: str, start: str | None, end: str | None, customer_ref: str | None,
    by: str, fmt: str | None, out: Path | None, force: bool,
) -> None:  # fmt: skip
    """Revenue by customer or month, invoices, or payment history, per currency.

    \b
    Examples:
      crm report revenue --from 2026-01-01 --to 2026-12-31 --by month
      crm report invoices --customer C-000042 --format json
      crm report payments --out payments.xlsx
    """
    from crm_tui.services.invoices.report_files import report_csv, report_json, write_report
    from crm_tui.services.invoices.reports import Period, ReportService
    from crm_tui.services.validation import parse_date

    period = Period(parse_date(start, "from"), parse_date(end, "to"))
    fmt = fmt or (out.suffix.lower().lstrip(".") if out and out.suffix else "csv")
    if fmt not in ("csv", "xlsx", "json"):
        fmt = "csv"
    if fmt == "xlsx" and out is None:
        raise CliExit("An XLSX report needs --out FILE.")
    services = services_from(ctx, "read")
    try:
        customer_id = services.customers.resolve(customer_ref).id if customer_ref else None
        result = ReportService(services.ctx).report(kind, period, by=by, customer_id=customer_id)
    finally:
        services.close()
    if out is not None:
        write_report(result, fmt, out, overwrite=force)
        click.echo(f"Wrote {counted(len(result.rows), 'row')} to {out}.", err=True)
    else:
        click.echo(
            report_json(result) if fmt == "json" else report_csv(result, terminal=True), nl=False
        )
