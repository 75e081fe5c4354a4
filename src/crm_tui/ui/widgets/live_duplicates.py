"""Likely duplicates shown while a new customer is typed (quick add, the wizard's first step).

Each change to the name, phone or e-mail asks the duplicate finder again, in
a thread worker after a short pause in the typing: a key is never held up by
the look-up, and a burst of keys asks once. An answer is shown only if the
fields still hold what it was asked about. Each likely duplicate is one line
with its reason ("same phone"); ctrl+o (the form's key) opens it, or with
several, moves to the list where enter opens the one highlighted. The check
on save stays: this only warns sooner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.services.merge.duplicates import LikelyDuplicate
from crm_tui.text import literal
from crm_tui.ui.base import UsesCrm
from crm_tui.wording import counted

Probe = tuple[str, str, str]  # name, phone, e-mail as typed


def hit_line(hit: LikelyDuplicate) -> Text:
    """One line: number, name, status and why it looks like the one being typed."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{hit.number}  ", style="bold")
    text.append(literal(hit.name))
    text.append(f"  {hit.status}", style="dim")
    text.append(f"  ({hit.reason_text})", style="italic")
    return text


class LiveDuplicates(UsesCrm, Vertical):
    """Existing customers that look like the one being typed, updated as it is typed."""

    DEFAULT_CSS: ClassVar[str] = """
    LiveDuplicates {
        height: auto;
        display: none;
        margin-top: 1;
        #live-dup-title { color: $warning; text-style: bold; height: 1; }
        #live-dup-list { height: auto; max-height: 4; }
    }
    """
    PAUSE = 0.15  # seconds of quiet typing before asking; a burst of keys asks once
    SHOWN = 4

    @dataclass
    class Found(Message):
        """The finder's answer for `probe`."""

        probe: Probe
        hits: list[LikelyDuplicate]

    @dataclass
    class OpenRequested(Message):
        """Open this existing customer instead of adding a new one."""

        customer_id: int

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.hits: list[LikelyDuplicate] = []
        # False while the form shows something else here (the check on save, another step):
        # answers still arrive and are kept, but stay out of sight.
        self.active = True
        self._wanted: Probe = ("", "", "")
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="live-dup-title")
        yield OptionList(id="live-dup-list", compact=True)

    def look(self, name: str, phone: str, email: str) -> None:
        """The fields changed: ask again once the typing pauses (never now, never blocking)."""
        probe = (name.strip(), phone.strip(), email.strip())
        if probe == self._wanted:
            return
        self._wanted = probe
        if self._timer is not None:
            self._timer.stop()
        if not (probe[1] or probe[2]):  # a name alone is never reason enough (the finder's rule)
            self._show([])
            return
        self._timer = self.set_timer(self.PAUSE, self._ask)

    def _ask(self) -> None:
        self._timer = None
        self._find(self._wanted)

    @work(
        thread=True,
        exclusive=True,
        group="live-duplicates",
        exit_on_error=False,
        description="Look for likely duplicates while typing",
    )
    def _find(self, probe: Probe) -> None:
        hits = self.services.duplicates.find(*probe, limit=self.SHOWN)
        self.post_message(self.Found(probe, hits))

    @on(Found)
    def _found(self, event: Found) -> None:
        event.stop()
        if event.probe == self._wanted:  # typed on since: a newer answer is coming
            self._show(event.hits)

    def _show(self, hits: list[LikelyDuplicate]) -> None:
        self.hits = hits
        self.display = self.active and bool(hits)
        if not hits:
            return
        key = "ctrl+o opens it" if len(hits) == 1 else "ctrl+o to choose one"
        self.query_one("#live-dup-title", Static).update(
            Content(f"Already on file? {counted(len(hits), 'likely duplicate')} ({key}):")
        )
        options = self.query_one("#live-dup-list", OptionList)
        options.clear_options()
        options.add_options(Option(hit_line(hit), id=str(hit.id)) for hit in hits)

    def open_existing(self) -> bool:
        """ctrl+o: ask to open the one duplicate, or move to the list of several; False if none."""
        if not self.hits:
            return False
        if len(self.hits) == 1:
            self.post_message(self.OpenRequested(self.hits[0].id))
        else:
            options = self.query_one("#live-dup-list", OptionList)
            options.highlighted = 0
            options.focus()
        return True

    @on(OptionList.OptionSelected, "#live-dup-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.OpenRequested(int(event.option.id or 0)))

    def set_active(self, active: bool) -> None:
        """Show the likely duplicates found (True), or keep them out of sight (False)."""
        self.active = active
        self.display = active and bool(self.hits)
