"""The search line of the customer list: the query input and the match count."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class SearchBar(Horizontal):
    """A search input that reports every edit, with the match count beside it."""

    @dataclass
    class QueryChanged(Message):
        """The query text changed (one message per keystroke)."""

        query: str

    @dataclass
    class Submitted(Message):
        """Enter was pressed in the search input."""

        query: str

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Search name, company, e-mail, phone, C-number…",
            id="search-input",
            select_on_focus=False,
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
        self.query_one("#match-count", Static).update(Text(text))

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))
