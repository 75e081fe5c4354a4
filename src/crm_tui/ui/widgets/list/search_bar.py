"""The search line of the customer list: the query input and the match count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static


class SearchInput(Input):
    """The query input: `down` goes to the results, enter opens the top one.

    Esc clears the query; on an empty query it moves to the results (never
    anywhere else). `?` opens the help screen instead of being searched for.

    Input binds `down` itself (hidden); overriding it here shows both keys in
    the footer while typing, when the letter keys belong to the input.
    """

    # Input grows its virtual size by a cell per typed character, and Widget
    # declares that a layout change: a layout and full repaint of the whole
    # screen on every keystroke (8-15 ms). The input's own scrolling needs no
    # layout, so the change only repaints.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Open", key_display="⏎"),
        # Enter typed before the app set the terminal raw (`crm`, then a name and Enter
        # at once) reaches it as a line feed, ctrl+j: it opens the customer all the same.
        Binding("ctrl+j", "submit", show=False),
        Binding("down", "results", "Results", key_display="↓"),
        Binding("escape", "clear_or_leave", "Clear", key_display="esc"),
        # Priority: the Input would otherwise take `?` as a character to search for.
        Binding("question_mark", "app.help", "Help", key_display="?", show=False, priority=True),
    ]

    def action_results(self) -> None:
        self.post_message(SearchBar.ResultsWanted())

    def action_clear_or_leave(self) -> None:
        """Esc: clear the query; a second Esc (on an empty query) moves to the results."""
        if self.value:
            self.clear()
        else:
            self.action_results()


class SearchBar(Horizontal):
    """A search input that reports every edit, with the match count beside it."""

    class ResultsWanted(Message):
        """The user wants to move from the query to the rows."""

    @dataclass
    class QueryChanged(Message):
        """The query text changed (one message per keystroke)."""

        query: str

    @dataclass
    class Submitted(Message):
        """Enter was pressed in the search input."""

        query: str

    def compose(self) -> ComposeResult:
        yield SearchInput(
            placeholder="Search name, company, e-mail, phone, C-number…",
            id="search-input",
            select_on_focus=False,
            # One line, no border: the tall border's block glyphs drew stray segments in
            # SVG pictures and some terminals, and took two rows the list can use.
            compact=True,
        )
        yield Static("", id="match-count", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def value(self) -> str:
        return self.input.value

    def set_count(self, text: str) -> None:
        """Show the match count ("1,234 matches", "10,000+ matches", "…")."""
        # Fixed width (TCSS): no layout pass per keystroke.
        self.query_one("#match-count", Static).update(Text(text), layout=False)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))
