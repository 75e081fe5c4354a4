"""App-level entry points for import and merge: the list's keys and the command palette."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from crm_tui.ui.read_only import is_read_only, refuse_if_read_only

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


def open_import(app: App[Any], path: str | None = None) -> None:
    """The import screen (`i` on the list), optionally on a file already chosen."""
    from crm_tui.ui.screens.import_customers import ImportScreen

    if refuse_if_read_only(app):
        return
    app.push_screen(ImportScreen(path))


def open_merge(app: App[Any], ids: Sequence[int] | None = None) -> None:
    """The merge screen: the likely duplicate groups, or the given (marked) customers."""
    from crm_tui.ui.screens.merge import MergeScreen

    if refuse_if_read_only(app):
        return
    app.push_screen(MergeScreen(list(ids) if ids else None))


class ToolsCommands(Provider):
    """Command palette entries: Import customers, Merge duplicates."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app: CrmApp = self.app  # type: ignore[assignment]
        if is_read_only(app):  # both tools write
            return []
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
