"""`crm db roles install|list`, `crm db grant LOGIN --role ROLE`, `crm db revoke LOGIN`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from crm_tui.cli.common import settings_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.text import literal

if TYPE_CHECKING:
    from sqlalchemy import Engine

T = TypeVar("T")
ROLE_NAMES = ("viewer", "clerk", "manager")


def _as_admin(ctx: click.Context, job: Callable[[Engine], T]) -> T:
    """Run `job` on the database (migrated to this version first), as the URL's login."""
    from crm_tui.services.opening import open_database

    settings = settings_from(ctx)
    if settings.read_only:
        raise CliExit("Roles and grants change the database; leave out --read-only.")
    db = open_database(settings, "write")
    try:
        return job(db.engine)
    finally:
        db.dispose()


@click.group("roles")
def roles_group() -> None:
    """The viewer, clerk and manager roles PostgreSQL enforces."""


@roles_group.command("install")
@click.pass_context
@guarded
def install(ctx: click.Context) -> None:
    """Create the three group roles and grant them their tables (safe to repeat).

    The roles are named after the database: on `crm` they are crm_viewer
    (reads), crm_clerk (reads; writes customers and their children; no
    erase, merge, settings or imports over 1,000 rows) and crm_manager
    (everything). Run it as the database's owner with CREATEROLE, or a
    superuser; `crm db upgrade` grants new tables again.

    \b
    Example:
      crm --db postgresql://admin@db.internal/crm db roles install
    """
    from crm_tui.services.roles.install import install_roles

    for line in _as_admin(ctx, install_roles):
        click.echo(literal(line))


@roles_group.command("list")
@click.pass_context
@guarded
def list_members(ctx: click.Context) -> None:
    """Who holds which crm role on this database."""
    from crm_tui.services.roles.install import role_members

    members = _as_admin(ctx, role_members)
    if not members:
        raise CliExit("Nobody holds a crm role yet; crm db grant LOGIN --role ROLE gives one.", 1)
    for member in members:
        click.echo(f"{literal(member.login)}\t{member.role}")


@roles_group.command("owners-only")
@click.argument("state", type=click.Choice(("on", "off")))
@click.pass_context
@guarded
def owners_only(ctx: click.Context, state: str) -> None:
    """Let clerks change only the customers they own (on), or every customer (off).

    A customer's owner is a login (set when a clerk adds it; a manager can
    give it to someone else). PostgreSQL's row-level security enforces it;
    customers nobody owns stay open to every clerk. Needs the manager role.

    \b
    Example:
      crm db roles owners-only on
    """
    from crm_tui.cli.common import services_from
    from crm_tui.services.roles.owners import set_owners_only

    services = services_from(ctx, "write")
    try:
        click.echo(set_owners_only(services.ctx, state == "on"))
    finally:
        services.close()


@click.command("grant")
@click.argument("login")
@click.option("--role", "role", type=click.Choice(ROLE_NAMES), required=True, help="The role.")
@click.pass_context
@guarded
def grant_command(ctx: click.Context, login: str, role: str) -> None:
    """Give a PostgreSQL login one crm role (replacing any other it held).

    \b
    Example:
      crm db grant alice --role clerk
    """
    from crm_tui.services.roles import Role
    from crm_tui.services.roles.install import grant_role

    click.echo(literal(_as_admin(ctx, lambda engine: grant_role(engine, login, Role(role)))))


@click.command("revoke")
@click.argument("login")
@click.pass_context
@guarded
def revoke_command(ctx: click.Context, login: str) -> None:
    """Take every crm role from a PostgreSQL login (the login itself stays).

    \b
    Example:
      crm db revoke alice
    """
    from crm_tui.services.roles.install import revoke_roles

    click.echo(literal(_as_admin(ctx, lambda engine: revoke_roles(engine, login))))
