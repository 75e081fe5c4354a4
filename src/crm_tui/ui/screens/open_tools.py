"""App-level entry points for import and merge, for keys and the command palette.

Wire them from the list screen and the app (not done here: those files
belong to other screens):

    # CustomerListScreen: Binding("i", "import_customers", "Import")
    def action_import_customers(self) -> None:
        open_import(self.app)

    # CrmApp: COMMANDS = App.COMMANDS | {ToolsCommands}
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


def _refused(app: App[Any]) -> bool:
    refuse = getattr(app, "refuse_if_read_only", None)
    return bool(refuse()) if callable(refuse) else False


def open_import(app: App[Any], path: str | None = None) -> None:
    """The import screen (`i` on the list), optionally on a file already chosen."""
    from crm_tui.ui.screens.import_screen import ImportScreen

    if _refused(app):
        return
    app.push_screen(ImportScreen(path))


def open_merge(app: App[Any], ids: Sequence[int] | None = None) -> None:
    """The merge screen: the likely duplicate groups, or the given (marked) customers."""
    from crm_tui.ui.screens.merge_screen import MergeScreen

    if _refused(app):
        return
    app.push_screen(MergeScreen(list(ids) if ids else None))


class ToolsCommands(Provider):
    """Command palette entries: Import customers, Merge duplicates."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app: CrmApp = self.app  # type: ignore[assignment]
        return [
            (
                "Import customers…",
                "CSV, XLSX or vCard: mapping, preview, duplicates",
                partial(open_import, app),
            ),
            (
                "Merge duplicates…",
                "likely duplicate groups, choose what to keep",
                partial(open_merge, app),
            ),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
