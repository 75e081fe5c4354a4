"""`crm db upgrade` and `crm db check`."""

from __future__ import annotations

import click

from crm_tui.cli.common import settings_from
from crm_tui.cli.errors import CliExit, guarded


@click.group("db")
def db_group() -> None:
    """Create, migrate and check the database."""


@db_group.command("upgrade")
@click.pass_context
@guarded
def upgrade(ctx: click.Context) -> None:
    """Create the database or migrate it to this version's schema.

    \b
    Example:
      crm db upgrade
      crm --db postgresql://clerk@db.internal/crm db upgrade
    """
    from crm_tui.db import migrate
    from crm_tui.db.engine import make_engine

    settings = settings_from(ctx)
    engine = make_engine(settings.database_url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    engine.dispose()
    if before == after:
        click.echo(f"The database is up to date (revision {after}).")
    else:
        click.echo(f"Migrated the database from {before or 'empty'} to revision {after}.")


@db_group.command("check")
@click.pass_context
@guarded
def check(ctx: click.Context) -> None:
    """Check the schema, foreign keys and stored figures against a recount.

    Exits 0 when everything agrees, 1 with a list of problems otherwise.

    \b
    Example:
      crm db check
    """
    from crm_tui.db.engine import make_engine
    from crm_tui.services.checks import check_database

    settings = settings_from(ctx)
    engine = make_engine(settings.database_url, must_exist=True)
    report = check_database(engine)
    engine.dispose()
    if report.ok:
        click.echo(f"The database is sound: {report.customers_checked:,} customers checked.")
        return
    for problem in report.problems:
        click.echo(f"- {problem}", err=True)
    raise CliExit(f"{len(report.problems)} problem(s) found.", 1)
