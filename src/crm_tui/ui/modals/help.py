"""The app's own help: the keys of the screen it was opened on, then the global ones.

Opened by `?` (from the search box too) or F1 from anywhere; typing filters
the list (by key or by what it does); Esc, `?` or F1 close it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from crm_tui.ui.base import CrmModal
from crm_tui.ui.styles import stylesheet

# Textual's own focus and clipboard keys: every form has them, they are not this app's.
NOT_LISTED = frozenset(
    {"app.focus_next", "app.focus_previous", "focus_next", "focus_previous", "app.copy_text"}
)


@dataclass(frozen=True)
class KeyHelp:
    """One line of the help: the key as the footer shows it, and what it does."""

    key: str
    description: str
    section: str  # "screen" or "global"

    def matches(self, words: str) -> bool:
        haystack = f"{self.key} {self.description}".casefold()
        return all(word in haystack for word in words.casefold().split())


def _bindings_of(node: DOMNode) -> Iterable[Binding]:
    """The app's keys (Textual's palette and quit included), else only what this app's own
    classes bind: an input's editing keys (^k, ^x, ...) are Textual's, not worth a line."""
    if isinstance(node, App):
        yield from (binding for _key, binding in node._bindings)
        return
    for cls in type(node).__mro__:
        if cls.__module__.startswith("crm_tui."):
            yield from Binding.make_bindings(cls.__dict__.get("BINDINGS", ()))


def _entries(app: App[object], node: DOMNode, section: str) -> Iterable[KeyHelp]:
    for binding in _bindings_of(node):
        if binding.system or not binding.description or binding.action in NOT_LISTED:
            continue
        yield KeyHelp(app.get_key_display(binding), binding.description, section)


def screen_name(screen: Screen[object]) -> str:
    """ "Customer list" for CustomerListScreen: what the help calls the screen it was opened on."""
    name = type(screen).__name__.removesuffix("Screen").removesuffix("Modal")
    words = re.findall(r"[A-Z][a-z]*|[a-z]+|[0-9]+", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def keys_of(screen: Screen[object]) -> list[KeyHelp]:
    """The keys of `screen` (and of the widget focused on it), then the app's global keys."""
    app = screen.app
    focused = screen.focused
    nodes: list[DOMNode] = [screen]
    if focused is not None:
        nodes[:0] = [n for n in focused.ancestors_with_self if isinstance(n, DOMNode)][:-2]
    found: list[KeyHelp] = []
    for node in nodes:
        found.extend(_entries(app, node, "screen"))
    found.extend(_entries(app, app, "global"))
    unique: dict[tuple[str, str], KeyHelp] = {}
    for entry in found:  # a key bound on the widget and its screen is listed once
        unique.setdefault((entry.section, entry.key), entry)
    return list(unique.values())


class HelpFilter(Input):
    """The filter line. `?` closes the help from here: a binding on the screen would not
    fire, since Textual leaves a key an input takes as text to the input."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "screen.close", "Close", key_display="?", priority=True),
    ]


class HelpModal(CrmModal[None]):
    """Every key of the current screen and the global ones; type to filter."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss")), str(stylesheet("help.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", key_display="?", show=False, priority=True),
        Binding("f1", "close", "Close", show=False, priority=True),
        Binding("down", "table", "Keys", key_display="↓", show=False),
    ]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static(Content(f"Keys · {self.help_title}"), classes="dialog-title")
            yield HelpFilter(placeholder="type to filter: a key or what it does", id="help-filter")
            yield DataTable(
                id="help-keys", cursor_type="row", show_header=False, zebra_stripes=True
            )
            yield Static(Content("esc or ? closes · F1 opens this from anywhere"), id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("key", key="key", width=12)
        table.add_column("what", key="what")
        self.show("")
        self.query_one(Input).focus()

    @on(Input.Changed, "#help-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.show(event.value)

    def show(self, words: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        shown = [k for k in self.keys if k.matches(words)]
        for section, heading in (("screen", self.help_title), ("global", "Everywhere")):
            part = [k for k in shown if k.section == section]
            if not part:
                continue
            table.add_row(Text(""), Text(heading, style="bold"))
            for entry in part:
                table.add_row(Text(entry.key, style="bold"), Text(entry.description))
        if not shown:
            table.add_row(Text(""), Text("No key matches.", style="italic"))

    def action_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
