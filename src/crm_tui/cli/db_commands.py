"""`crm db upgrade`, `crm db check`, `crm db repair` and `crm db secure`."""

from __future__ import annotations

import click

from crm_tui.cli.common import settings_from
from crm_tui.cli.errors import CliExit, guarded
from crm_tui.cli.roles_commands import grant_command, revoke_command, roles_group
from crm_tui.text import literal
from crm_tui.wording import counted


@click.group("db")
def db_group() -> None:
    """Create, migrate, check and secure the database."""


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
    from crm_tui.db.schema_head import SCHEMA_HEAD
    from crm_tui.services.opening import probe
    from crm_tui.services.registry import open_services

    settings = settings_from(ctx)
    if settings.read_only:
        raise CliExit("crm db upgrade changes the database; run it without --read-only.")
    before = probe(settings, "create").revision
    services = open_services(settings, "create")  # also records the reporting currency
    try:
        after = SCHEMA_HEAD
        if before == after:
            click.echo(f"The database is up to date (revision {after}).")
            return
        click.echo(f"Migrated the database from {before or 'empty'} to revision {after}.")
        from crm_tui.services.roles.install import refresh_grants

        for line in refresh_grants(services.ctx.db.engine):
            click.echo(literal(line))
    finally:
        services.close()


@db_group.command("check")
@click.option(
    "--full", is_flag=True, help="Compare every customer's search document, not a sample."
)
@click.pass_context
@guarded
def check(ctx: click.Context, full: bool) -> None:
    """Check the database against the migrations and the rules (read-only).

    The file itself (SQLite), the schema (tables, columns, indexes,
    constraints, triggers) against what the migrations make; on PostgreSQL
    with roles installed, each role's grants; rows pointing at
    nothing; merged customers still holding rows; erased customers'
    leftovers; e-mails shared by several customers; stored figures against a
    recount; search documents against the customers (a random sample of
    2,000, or all with --full). Exits 0 when everything agrees, 1 with a list
    of problems otherwise (a damaged file included), 2 when there is no
    database.

    \b
    Example:
      crm db check
      crm db check --full
    """
    from crm_tui.services.checks import check_database
    from crm_tui.services.opening import open_engine

    engine = open_engine(settings_from(ctx), "read")
    try:
        report = check_database(engine, full=full)
    finally:
        engine.dispose()
    for flag in report.flags:  # incomplete figures, not damage: said, but no failure
        click.echo(f"! {literal(flag)}")
    if report.ok:
        click.echo(
            f"The database is sound: {report.customers_checked:,} customers checked, "
            f"{report.documents_compared:,} search documents compared."
        )
        return
    for problem in report.problems:  # the report itself, on stdout; the verdict on stderr
        click.echo(f"- {literal(problem)}")
    raise CliExit(
        f"{counted(len(report.problems), 'problem')} found; `crm db repair` mends most.", 1
    )


@db_group.command("repair")
@click.pass_context
@guarded
def repair(ctx: click.Context) -> None:
    """Rebuild what can be rebuilt, and say what cannot.

    Recreates missing indexes, triggers and constraints from the migrations'
    own definitions, rewrites out-of-date search documents (and SQLite's
    full-text indexes), recounts stored figures, and moves rows left on a
    merged customer to its survivor. A missing table or column, rows that
    point at nothing, and a unique constraint that duplicates now break are
    reported with what to do. Exits 0 when the database is sound afterwards.

    \b
    Example:
      crm db repair
    """
    from crm_tui.services.checks import repair_database
    from crm_tui.services.opening import open_engine, probe

    settings = settings_from(ctx)
    if settings.read_only:
        raise CliExit("Repair writes to the database; leave out --read-only.")
    probe(settings, "write")  # a missing or foreign database is refused before any write
    engine = open_engine(settings, "write")
    try:
        report = repair_database(engine)
    finally:
        engine.dispose()
    for line in report.done:
        click.echo(literal(line))
    if report.ok:
        click.echo("The database is sound.")
        return
    for line in [*report.failed, *report.after.problems]:
        click.echo(f"- {literal(line)}")
    raise CliExit("Repair could not mend everything; see above.", 1)


@db_group.command("secure")
@click.pass_context
@guarded
def secure_command(ctx: click.Context) -> None:
    """Make the SQLite database private: its files 0600, the data folder 0700.

    Other users on a shared machine can then no longer read it. Run it when
    crm warns that other users can read the database.

    \b
    Example:
      crm db secure
    """
    from crm_tui.services.opening import secure, sqlite_path

    changed = secure(settings_from(ctx))
    if not changed:
        click.echo(f"{literal(sqlite_path(settings_from(ctx)))} is already private to you.")
        return
    for path in changed:
        click.echo(f"  made private: {literal(path)}")
    click.echo("Only you can read the database now.")


db_group.add_command(roles_group)
db_group.add_command(grant_command)
db_group.add_command(revoke_command)
