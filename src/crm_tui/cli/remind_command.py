"""`crm remind`: send the dunning reminders that are due."""

from __future__ import annotations

from pathlib import Path

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.wording import counted


@click.command("remind")
@click.option("--customer", "customer_ref", metavar="ID|EMAIL", help="Only this customer's.")
@click.option("--outbox", type=click.Path(path_type=Path), help="Write .eml files to this folder.")
@click.option("--on", "today", metavar="DATE", help="Count days overdue as of DATE.")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send nothing.")
@click.pass_context
@guarded
def remind(
    ctx: click.Context,
    customer_ref: str | None,
    outbox: Path | None,
    today: str | None,
    dry_run: bool,
) -> None:
    """Send a reminder for each overdue invoice that reached a new dunning level.

    Levels are days after the due date ([dunning] levels in config.toml,
    default 7, 21, 35); each is sent once per invoice. Reminders go through
    the [smtp] server in config.toml, or without one (or with --outbox) are
    written as .eml files. Customers without an e-mail, blocked or erased
    are skipped with the reason. Exits 1 when nothing was due.

    \b
    Examples:
      crm remind --dry-run
      crm remind --customer C-000042 --outbox ~/reminders
    """
    from crm_tui.services.validation import parse_date

    day = parse_date(today, "on") if today else None
    services = services_from(ctx, "read" if dry_run else "write")
    try:
        customer_id = services.customers.resolve(customer_ref).id if customer_ref else None
        run = services.reminders.send(
            today=day, customer_id=customer_id, outbox=outbox, dry_run=dry_run
        )
    finally:
        services.close()
    where = "by e-mail" if run.channel == "smtp" else f"as .eml files in {run.outbox}"
    verb = "Would send" if dry_run else "Sent"
    for number, level, recipient in run.sent:
        click.echo(f"{verb} reminder {level} for {number} to {recipient!r}.")
    for number, reason in run.skipped:
        click.echo(f"Skipped {number}: {reason}.")
    for number in run.stuck:
        click.echo(
            f"Check {number}: a reminder was being sent when a run stopped; it is not sent again.",
            err=True,
        )
    click.echo(f"{verb} {counted(len(run.sent), 'reminder')} {where}; skipped {len(run.skipped)}.")
    if run.failure:
        reason = run.failure.rstrip(".")
        raise CliExit(f"{reason}; the rest were not sent, run it again to send them.")
    if not run.sent and not run.skipped:
        raise SystemExit(1)
