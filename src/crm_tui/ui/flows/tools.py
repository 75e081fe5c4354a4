"""App-level entry points for import, merge, the overdue list and the billing run: list keys
and the palette."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crm_tui.services.roles import Capability
from crm_tui.ui.base import CrmAppBase, crm_app

# Each screen is imported when first opened: the list paints without them.


def open_import(app: CrmAppBase, path: str | None = None) -> None:
    """The import screen (`i` on the list), optionally on a file already chosen."""

    if app.refuse_if_read_only():
        return
    from crm_tui.ui.screens.import_customers import ImportScreen

    app.push_screen(ImportScreen(path))


def open_merge(app: CrmAppBase, ids: Sequence[int] | None = None) -> None:
    """The merge screen: the likely duplicate groups, or the given (marked) customers."""

    if app.refuse_unless(Capability.MERGE):
        return
    from crm_tui.ui.screens.merge import MergeScreen

    app.push_screen(MergeScreen(list(ids) if ids else None))


def open_overdue(app: CrmAppBase) -> None:
    """Overdue invoices with bulk reminders (`o` on the list)."""
    from crm_tui.ui.screens.overdue_invoices import OverdueInvoicesScreen

    app.push_screen(OverdueInvoicesScreen())


def open_billing_run(app: CrmAppBase) -> None:
    """The month's billing run with progress (`g` on the list); a preview only reads."""
    from crm_tui.ui.screens.billing_run import BillingRunScreen

    app.push_screen(BillingRunScreen())


def open_reports(app: CrmAppBase, customer_id: int | None = None) -> None:
    """Revenue, invoices and payments reports, with export (`g` on the list)."""
    from crm_tui.ui.screens.reports import ReportsScreen

    app.push_screen(ReportsScreen(customer_id))


class ToolsCommands(Provider):
    """Command palette entries: Overdue invoices, Reports, Billing run, Import, Merge."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app = crm_app(self.app)
        overdue = (
            "Overdue invoices…",
            "filter, mark and send reminders",
            partial(open_overdue, app),
        )
        billing = (
            "Billing run…",
            "issue a month's invoices for active subscriptions, with progress",
            partial(open_billing_run, app),
        )
        reports = (
            "Reports…",
            "revenue by customer or month, invoices, payments; export",
            partial(open_reports, app),
        )
        out: list[tuple[str, str, object]] = [overdue, reports]
        if not app.read_only:  # the billing run and import write; overdue and reports read
            out.append(billing)
            out.append((
                "Import customers…",
                "CSV, XLSX or vCard: mapping, preview, duplicates",
                partial(open_import, app),
            ))  # fmt: skip
        if app.refusal(Capability.MERGE) is None:
            out.append((
                "Merge duplicates…",
                "likely duplicate groups, choose what to keep",
                partial(open_merge, app),
            ))  # fmt: skip
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
