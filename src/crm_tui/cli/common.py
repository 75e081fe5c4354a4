"""Options and helpers shared by the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.services.registry import Services


def settings_from(ctx: click.Context) -> Settings:
    from crm_tui.config import Settings

    root = ctx.find_root()
    params: dict[str, Any] = root.params
    return Settings.load(db=params.get("db"), read_only=bool(params.get("read_only")))


def services_from(ctx: click.Context, *, migrate: bool = True) -> Services:
    from crm_tui.services.registry import open_services

    return open_services(settings_from(ctx), migrate_schema=migrate)
