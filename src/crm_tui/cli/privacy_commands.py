"""`crm erase`: the confirmed data-protection erase of one customer.

The subject access export is `crm export FILE --customer ID|EMAIL`
(cli/import_export.py); both sit on services (customers.erase,
person_export).
"""

from __future__ import annotations

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.text import literal


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
    services = services_from(ctx)
    try:
        customer = services.customers.resolve(reference)
        if customer.erased_at is not None:
            click.echo(f"{customer.number} was already erased; nothing to do.")
            return
        kept = len(services.billing.payments(customer.id))
        click.echo(f"  {customer.number}  {literal(customer.display_name)}")
        if customer.email or customer.phone:
            click.echo(f"  {literal(customer.email or '')}  {literal(customer.phone or '')}")
        click.echo(f"  All personal data goes for good; {kept:,} payment(s) stay, anonymised.")
        if yes:
            typed = customer.number
        elif typed is None:
            typed = click.prompt(f"Type {customer.number} to erase", default="", show_default=False)
        services.customers.erase(customer.id, confirm=typed)
    except click.Abort:
        raise CliExit("Nothing was erased.", 1) from None
    finally:
        services.close()
    click.echo(f"Erased {customer.number}; its payments remain, anonymised.")
