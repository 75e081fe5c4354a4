"""make_app(): the one way the CLI, tests and screenshot script build the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_tui.services.deferred import QuickStart
    from crm_tui.services.registry import Services
    from crm_tui.ui.app import CrmApp


def make_app(
    services: Services | QuickStart,
    *,
    open_customer_id: int | None = None,
    start_screen: str = "list",
    freeze_after_start: bool = False,
) -> CrmApp:
    """`freeze_after_start`: the one app of a `crm` process (see CrmAppBase.started)."""
    from crm_tui.ui.app import CrmApp

    return CrmApp(
        services,
        open_customer_id=open_customer_id,
        start_screen=start_screen,
        freeze_after_start=freeze_after_start,
    )
