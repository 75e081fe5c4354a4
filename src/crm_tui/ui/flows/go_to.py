"""`g` on the list: every other screen of the app, one key away (the palette has them too)."""

from __future__ import annotations

from collections.abc import Callable

from crm_tui.ui.base import CrmAppBase
from crm_tui.ui.flows.groups import open_billing_groups, open_dashboard, open_segments, open_tags
from crm_tui.ui.flows.tools import (
    open_billing_run,
    open_import,
    open_merge,
    open_overdue,
    open_reports,
)

# (where, what the user reads)
GO_TO = (
    ("dashboard", "Dashboard"),
    ("segments", "Segments"),
    ("tags", "Tags"),
    ("billing_groups", "Billing groups"),
    ("merge", "Merge duplicates"),
    ("import", "Import customers"),
    ("overdue", "Overdue invoices"),
    ("reports", "Reports"),
    ("billing_run", "Billing run"),
)

OPENERS: dict[str, Callable[[CrmAppBase], None]] = {
    "dashboard": open_dashboard,
    "segments": open_segments,
    "tags": open_tags,
    "billing_groups": open_billing_groups,
    "merge": open_merge,
    "import": open_import,
    "overdue": open_overdue,
    "reports": open_reports,
    "billing_run": open_billing_run,
}


def go_to(app: CrmAppBase, where: str) -> None:
    """Open the screen `where` names (a key of GO_TO); anything else is ignored."""
    opener = OPENERS.get(where)
    if opener is not None:
        opener(app)
