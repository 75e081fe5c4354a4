"""What the app's Line-API tables share: the customer list and `FittedTable`.

A row cursor under a one-line heading, moved by the keys and a click and kept
in view, that brightens with the focus; and the tables' component styles,
resolved from the CSS once per focus state (resolving them on every painted
line cost more than painting the line). A subclass holds the rows (`_rows`),
says how the cursor moves (`move_cursor`: it may ask for more rows, post a
message) and what choosing the highlighted row does (`_choose`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.style import Style
from textual import events
from textual.scroll_view import ScrollView


class RowCursorView(ScrollView):
    """A scrolling table of one line a row below a heading line, with a row cursor."""

    cursor_row: int
    _rows: Sequence[Any]
    _styles: dict[tuple[str, bool], Style]

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on row `row` (clamped) and scroll it into view."""
        raise NotImplementedError

    def _choose(self) -> None:
        """Enter, or a click on the highlighted row."""
        raise NotImplementedError

    def _view_height(self) -> int:
        """Rows visible below the heading."""
        return max(1, self.scrollable_content_region.height - 1)

    def _keep_cursor_in_view(self) -> None:
        top, height = round(self.scroll_y), self._view_height()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._view_height())

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._view_height())

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._rows) - 1)

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor to its row; a click on the highlighted row chooses it."""
        row = event.style.meta.get("row")
        if not isinstance(row, int) or not 0 <= row < len(self._rows):
            return
        event.stop()
        if row == self.cursor_row:
            self._choose()
        else:
            self.move_cursor(row=row)

    def on_focus(self) -> None:
        self.refresh()  # the cursor brightens

    def on_blur(self) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # focus, theme or CSS changed

    def _style(self, component: str) -> Style:
        """The Rich style of a component ("" for the table itself), cached per focus state."""
        key = (component, self.has_focus)
        style = self._styles.get(key)
        if style is None:
            style = self.get_component_rich_style(component) if component else self.rich_style
            self._styles[key] = style
        return style
