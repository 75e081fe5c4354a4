"""The footer every screen uses: Textual's keys, plus a "read-only" badge when writes are off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Label

from crm_tui.ui.base import UsesCrm


class CrmFooter(UsesCrm, Footer):
    """Footer keys; in read-only mode the write keys are gone and a badge on the right says why."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        if self._bindings_ready and self.crm.read_only:
            yield Label("read-only", id="read-only-badge")
