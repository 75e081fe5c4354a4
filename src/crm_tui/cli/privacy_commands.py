"""`crm erase`: the confirmed data-protection erase of one customer.

The subject access export is `crm export FILE --customer ID|EMAIL`
(cli/export_command.py); both sit on services (customers.erase,
person_export).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, CliExit, guarded, unconfirmed
from crm_tui.cli.interrupts import stop_requests
from crm_tui.text import literal
from crm_tui.wording import counted

if TYPE_CHECKING:  # the CLI imports services only when a command runs
    from crm_tui.services.customers.erase import EraseResult


@click.command("erase")
@click.argument("reference", metavar="ID|EMAIL")
@click.option(
    "--confirm",
    "typed",
    metavar="C-000123",
    help="The customer's number, as you would type it at the prompt (for scripts).",
)
@click.option("--yes", "-y", is_flag=True, help="Erase without asking (for scripts).")
@click.pass_context
@guarded
def erase_command(ctx: click.Context, reference: str, typed: str | None, yes: bool) -> None:
    """Erase one customer's personal data for good (a data-protection request).

    Names, contact details, date of birth, addresses, contacts, notes, saved
    cards, tags, segment memberships and the values in the change log are
    removed; the search index and (on SQLite) the file's free pages and WAL
    are rewritten so no copy remains. Payments, subscriptions and orders
    stay, anonymised, so the accounts still add up. It cannot be undone:
    export the data first if the person asked for a copy.

    You are asked to type the customer's number to confirm.

    \b
    Examples:
      crm export c42.json --customer C-000042
      crm erase C-000042
      crm erase ana@example.pt --confirm C-000042
      crm erase 42 --yes
    """
    if yes and typed:
        raise CliExit("Give --yes or --confirm, not both.")
    from crm_tui.services.roles import Capability

    services = services_from(ctx, "write", Capability.ERASE)
    try:
        customer = services.customers.resolve(reference)
        if customer.erased_at is not None:
            # Re-running finishes what a stopped erase left (index tokens, the WAL).
            result = services.customers.erase(customer.id, confirm=customer.number)
            _report(customer.number, result, again=True)
            return
        kept = len(services.billing.payments(customer.id))
        click.echo(f"  {customer.number}  {literal(customer.display_name)}")
        if customer.email or customer.phone:
            click.echo(f"  {literal(customer.email or '')}  {literal(customer.phone or '')}")
        click.echo(
            f"  All personal data goes for good; {counted(kept, 'payment')} stay, anonymised."
        )
        if yes:
            typed = customer.number
        elif typed is None:
            typed = click.prompt(f"Type {customer.number} to erase", default="", show_default=False)
        with stop_requests("the erase", batches=False) as stop:
            result = services.customers.erase(customer.id, confirm=typed)
    except click.Abort as exc:
        no_answer = "add --confirm C-… (or --yes) to erase without a terminal."
        raise unconfirmed(exc, "Nothing was erased.", no_answer=no_answer) from None
    except KeyboardInterrupt:  # a second Ctrl-C: the erase's transaction rolled back
        raise CliExit("Interrupted; nothing was erased.", EXIT_INTERRUPTED) from None
    finally:
        services.close()
    _report(customer.number, result, again=False)
    if stop():
        raise CliExit("Interrupted after the erase was saved.", EXIT_INTERRUPTED)


def _report(number: str, result: EraseResult, *, again: bool) -> None:
    """What was erased, and whether any copy is left on disk (exit 2 if so)."""
    merged = [f"C-{cid:06d}" for cid in result.erased if f"C-{cid:06d}" != number]
    if again and not result.erased:
        click.echo(f"{number} was already erased; its cleanup was run again.")
    else:
        click.echo(f"Erased {number}; its payments remain, anonymised.")
    if merged:
        click.echo(f"Also erased {', '.join(merged)}, merged into it before.")
    if not result.complete:
        raise CliExit(
            f"The data is erased, but {result.pending}: "
            f"`crm erase {number}` again once it is closed finishes the cleanup.",
            2,
        )
