"""The footer every screen uses: Textual's keys, plus a badge when writes are limited."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Label

from crm_tui.ui.base import UsesCrm


class CrmFooter(UsesCrm, Footer):
    """Footer keys; when writes are off or limited (--read-only, a viewer or clerk role)
    the keys it may not use are gone and a badge on the right says why."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        badge = self.crm.badge() if self._bindings_ready else None
        if badge:
            yield Label(badge, id="read-only-badge")
