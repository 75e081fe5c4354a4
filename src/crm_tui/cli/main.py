"""The `crm` group: with no command it opens the app.

Each command's module is imported only when that command runs (or help and
completion list them all), so `crm lookup` never pays for the import and
export machinery.
"""

from __future__ import annotations

import importlib

import click

from crm_tui import __version__
from crm_tui.cli.errors import CliExit, guarded, run_main

DEMO_ON_EMPTY = 500

# name: "module:attribute" of the click command.
COMMANDS = {
    "db": "crm_tui.cli.db_commands:db_group",
    "demo": "crm_tui.cli.demo_command:demo",
    "show": "crm_tui.cli.show_command:show",
    "lookup": "crm_tui.cli.lookup_command:lookup",
    "import": "crm_tui.cli.import_command:import_command",
    "export": "crm_tui.cli.export_command:export_command",
    "merge": "crm_tui.cli.merge_command:merge_command",
    "erase": "crm_tui.cli.privacy_commands:erase_command",
    "completion": "crm_tui.cli.completion_command:completion",
    "invoice": "crm_tui.cli.invoice_commands:invoice_group",
    "remind": "crm_tui.cli.remind_command:remind",
    "report": "crm_tui.cli.report_command:report",
    "rates": "crm_tui.cli.rates_command:rates_group",
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, _, attribute = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    metavar="URL|PATH",
    envvar="CRM_DATABASE_URL",
    help="Database URL or SQLite file (default: your data folder). Also CRM_DATABASE_URL.",
)
@click.option("--read-only", is_flag=True, help="Open with every write refused.")
@click.option("--open", "open_ref", metavar="ID|EMAIL", help="Open the app on one customer.")
@click.option(
    "--demo",
    "demo_if_empty",
    is_flag=True,
    help=f"Fill an empty database with {DEMO_ON_EMPTY} demo customers first.",
)
@click.version_option(__version__, prog_name="crm")
@click.pass_context
@guarded
def cli(
    ctx: click.Context, db: str | None, read_only: bool, open_ref: str | None, demo_if_empty: bool
) -> None:
    """crm-tui: customers at your fingertips.

    With no command, opens the app on the default database (created and
    migrated on first run).

    \b
    Examples:
      crm                      open the app
      crm --demo               open it, with demo data on a new database
      crm --open C-000042      open one customer
      crm --db team.sqlite3 lookup smith
    """
    if ctx.invoked_subcommand is not None:
        return
    import sys

    from crm_tui.cli.common import services_from, settings_from

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliExit(
            "crm needs a terminal to open the app; in scripts use crm lookup, show, "
            "export or import."
        )
    if demo_if_empty and read_only:
        raise CliExit("--demo cannot add data to a database opened --read-only.")
    unchecked = settings_from(ctx, check_url=False)  # checking the URL loads SQLAlchemy
    if not demo_if_empty and open_ref is None and unchecked.start_screen == "list":
        from crm_tui.services.deferred import quick_start

        quick = quick_start(unchecked)
        if quick is not None:  # the list paints first, the services open behind it
            from crm_tui.factory import make_app

            try:
                make_app(quick, freeze_after_start=True).run()
            finally:
                quick.close()
            return
    start_screen = settings_from(ctx).start_screen
    services = services_from(ctx, "create")
    if demo_if_empty:
        from crm_tui.cli.demo_command import fill_in_place
        from crm_tui.services.demo.builder import DemoBuilder

        if services.customers.count() == 0:
            fill_in_place(DemoBuilder(services.ctx), DEMO_ON_EMPTY)
    initial = services.customers.resolve(open_ref).id if open_ref else None
    from crm_tui.factory import make_app

    app = make_app(
        services, open_customer_id=initial, start_screen=start_screen, freeze_after_start=True
    )
    try:
        app.run()
    finally:
        services.close()


def main() -> None:
    run_main(lambda: cli.main(prog_name="crm", standalone_mode=False))
