"""`crm merge ID ID...`: duplicates into one customer, after showing what moves."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from crm_tui.cli.common import services_from
from crm_tui.cli.errors import EXIT_INTERRUPTED, CliExit, guarded, unconfirmed
from crm_tui.cli.interrupts import stop_requests
from crm_tui.text import literal
from crm_tui.wording import counted

if TYPE_CHECKING:
    from crm_tui.services.merge.service import MergePlan
    from crm_tui.services.registry import Services


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
    from crm_tui.services.merge.service import MergeService
    from crm_tui.services.roles import Capability

    services = services_from(ctx, "write", Capability.MERGE)
    try:
        resolved = [services.customers.resolve(ref).id for ref in ids]
        keep = services.customers.resolve(keep_ref).id if keep_ref else resolved[0]
        choices = _choices(services, takes, resolved)
        service = MergeService(services.ctx)
        plan = service.plan(resolved, keep)
        _print_plan(plan, keep, choices)
        if not yes:
            if not sys.stdin.isatty():
                raise CliExit("Add --yes to merge without a terminal to confirm on.")
            click.confirm("Merge these customers?", abort=True)
        versions = {c.id: c.version for c in plan.customers}
        with stop_requests("the merge", batches=False) as stop:
            result = service.merge(resolved, keep=keep, choices=choices, expected_versions=versions)
    except click.Abort as exc:
        raise unconfirmed(exc, "Nothing was merged.") from None
    except KeyboardInterrupt:  # a second Ctrl-C: the merge's one transaction rolled back
        raise CliExit("Interrupted; nothing was merged.", EXIT_INTERRUPTED) from None
    finally:
        services.close()
    click.echo(f"Merged {counted(len(result.merged), 'customer')} into {result.survivor.number}.")
    if stop():
        raise CliExit("Interrupted after the merge was saved.", EXIT_INTERRUPTED)


def _choices(services: Services, takes: tuple[str, ...], resolved: list[int]) -> dict[str, int]:
    """--take FIELD=ID as {field: customer id}; refused unless the customer is being merged."""
    from crm_tui.services.merge.service import CHOICE_FIELDS

    choices: dict[str, int] = {}
    for take in takes:
        field, sep, ref = take.partition("=")
        if not sep or field not in CHOICE_FIELDS:
            raise CliExit(f"--take {take!r} is not FIELD=ID with a customer field (e.g. phone=12).")
        choices[field] = services.customers.resolve(ref).id
        if choices[field] not in resolved:
            raise CliExit(f"--take {take!r} names a customer that is not being merged.")
    return choices


def _print_plan(plan: MergePlan, keep: int, choices: dict[str, int]) -> None:
    """Who is kept and who merged, the fields that differ (with the winning value), what moves."""
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
