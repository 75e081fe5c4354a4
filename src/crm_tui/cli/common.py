"""Options and helpers shared by the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.services.opening import Access
    from crm_tui.services.registry import Services
    from crm_tui.services.roles import Capability


def settings_from(ctx: click.Context, *, check_url: bool = True) -> Settings:
    from crm_tui.config import Settings

    root = ctx.find_root()
    params: dict[str, Any] = root.params
    return Settings.load(
        db=params.get("db"), read_only=bool(params.get("read_only")), check_url=check_url
    )


def services_from(ctx: click.Context, access: Access, needs: Capability | None = None) -> Services:
    """Services over the database, opened for `access` (read, write or create).

    A SQLite database other users can read gets a one-line warning first.
    `needs`: what the command will do, refused at once (before any question
    is asked) when the login's role may not.
    """
    from crm_tui.services.registry import open_services

    settings = settings_from(ctx)
    services = open_services(settings, access)
    if needs is not None:
        try:
            services.ctx.require(needs)
        except BaseException:
            services.close()
            raise
    warn_if_shared(settings)
    return services


def warn_if_shared(settings: Settings) -> None:
    from crm_tui.services.opening import exposed_files
    from crm_tui.text import literal

    exposed = exposed_files(settings)
    if exposed:
        click.echo(
            f"crm: warning: other users on this machine can read {literal(exposed[0])}; "
            "`crm db secure` makes the database private.",
            err=True,
        )
