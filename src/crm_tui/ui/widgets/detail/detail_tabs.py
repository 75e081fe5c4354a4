"""The detail screen's tabs: Textual's TabbedContent, switched by keys and clicks only.

TabbedContent also makes a pane the active one whenever a widget in it gets
focus. Focus lands a few messages after it is given, so with tab keys typed
without a pause the focus a tab gives its table when shown ("5": the Notes
table) arrived after the next key ("6") and switched back to the tab before
it: the screen stayed on Notes and History was never read. Only the shown
pane's widgets can take focus from the user (Tab, a click), so a focus
landing in another pane is one of those late ones and is let go (in the
shown pane, following it would change nothing).
"""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class DetailTabs(TabbedContent):
    """TabbedContent that does not follow a late focus into a pane no longer shown."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()  # Textual's own handler would switch to that pane
        event.stop()
