"""Create or edit a segment; for a dynamic one, its rules with a live member count.

Every edit of a rule (debounced) sends the rules to the segment service in a
worker; the service validates and counts in the database, and the answer is
either "1,234 customers match" or the service's one-sentence reason, with the
offending rule marked. Saving goes through the same validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static
from textual.worker import get_current_worker

from crm_tui.models.enums import SegmentKind
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.segments import SegmentRead
from crm_tui.services.segments.rules import Rule, RuleSet
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.confirmation import leave_asking_first
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.segments.rule_row import RuleRow

COUNT_DELAY = 0.3  # seconds of quiet typing before the count is asked for
SUGGESTED_FIELDS = ("tag", "billing_group", "industry", "country")


class SegmentEditorScreen(CrmScreen[SegmentRead | None]):
    """Name, description and (dynamic) rules; dismisses with the saved segment or None."""

    CSS_PATH: ClassVar = [str(stylesheet("segment_editor.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+n", "add_rule", "Add rule"),
        Binding("ctrl+r", "remove_rule", "Remove rule"),
        Binding("escape", "cancel", "Cancel"),
    ]

    @dataclass
    class Counted(Message):
        """The live count (or why there is none) for one version of the rules."""

        generation: int
        count: int | None
        error: str | None = None
        field: str | None = None

    @dataclass
    class SuggestionsLoaded(Message):
        """Values already in use, per field, for the rules' value boxes."""

        found: dict[str, list[str]]

    @dataclass
    class Refused(Message):
        """The service refused the segment with this sentence."""

        reason: str

    @dataclass
    class Saved(Message):
        """The segment as saved."""

        segment: SegmentRead

    def __init__(
        self,
        segment: SegmentRead | None,
        *,
        kind: str = SegmentKind.DYNAMIC,
        as_of: date | None = None,
    ) -> None:
        super().__init__()
        self.segment = segment
        self.kind = segment.kind if segment is not None else kind
        self.as_of = as_of
        self.generation = 0
        self.count_timer: Timer | None = None
        self.row_serial = 0
        self.initial_state: tuple[str, str, str] | None = None
        self.suggestions: dict[str, list[str]] = {}

    @property
    def dynamic(self) -> bool:
        return self.kind == SegmentKind.DYNAMIC

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.segment is None:
            title = "New segment (rules)" if self.dynamic else "New segment (hand-picked)"
        else:
            title = f"Edit segment: {self.segment.name}"
        yield Static(Text(title), id="editor-title", classes="screen-title")
        with Horizontal(classes="editor-line"):
            yield Label("Name", classes="editor-label")
            yield Input(self.segment.name if self.segment else "", id="segment-name", compact=True)
        with Horizontal(classes="editor-line"):
            yield Label("About", classes="editor-label")
            yield Input(
                self.segment.description if self.segment else "",
                placeholder="what the segment is for (optional)",
                id="segment-description",
                compact=True,
            )
        if self.dynamic:
            rules = self.segment.rules if self.segment and self.segment.rules else RuleSet()
            with Horizontal(classes="editor-line"):
                yield Label("Match", classes="editor-label")
                yield Select(
                    [("all of the rules", "all"), ("any of the rules", "any")],
                    value=rules.match,
                    allow_blank=False,
                    compact=True,
                    id="segment-match",
                )
                yield Static(Text("counting…"), id="live-count")
            with VerticalScroll(id="rule-list"):
                for rule in rules.rules or (Rule("", "", None),):
                    yield self._new_row(rule)
        else:
            yield Static(
                Text(
                    "Members are picked by hand: mark customers in the list, or use the "
                    "detail screen, and add them to this segment."
                ),
                id="static-help",
            )
        yield Static(Text(""), id="editor-message")
        yield CrmFooter()

    def _new_row(self, rule: Rule | None) -> RuleRow:
        self.row_serial += 1
        return RuleRow(rule, suggestions=self.suggestions, id=f"rule-{self.row_serial}")

    def on_mount(self) -> None:
        self.query_one("#segment-name", Input).focus()
        self.initial_state = self.state()
        if self.dynamic:
            self.load_suggestions()
            self.schedule_count(delay=0)

    # --- state -------------------------------------------------------------------

    def ruleset(self) -> RuleSet:
        match = self.query_one("#segment-match", Select).value
        rows = self.query(RuleRow)
        return RuleSet(
            match=match if isinstance(match, str) else "all",
            rules=tuple(row.rule() for row in rows),
        )

    def state(self) -> tuple[str, str, str]:
        rules = self.ruleset().to_json() if self.dynamic else ""
        return (
            self.query_one("#segment-name", Input).value,
            self.query_one("#segment-description", Input).value,
            rules,
        )

    @property
    def dirty(self) -> bool:
        return self.initial_state is not None and self.state() != self.initial_state

    # --- suggestions and live count ----------------------------------------------

    @work(
        thread=True,
        group="segment-suggestions",
        exit_on_error=False,
        description="Read suggestions for segment rules",
    )
    def load_suggestions(self) -> None:
        found = {field: self.services.segments.suggestions(field) for field in SUGGESTED_FIELDS}
        self.post_message(self.SuggestionsLoaded(found))

    @on(SuggestionsLoaded)
    def apply_suggestions(self, event: SuggestionsLoaded) -> None:
        found = event.found
        self.suggestions = found
        for row in self.query(RuleRow):
            row.set_suggestions(found)

    @on(RuleRow.Changed)
    @on(Select.Changed, "#segment-match")
    def rules_changed(self) -> None:
        self.schedule_count()

    def schedule_count(self, delay: float = COUNT_DELAY) -> None:
        if not self.dynamic:
            return
        self.generation += 1
        if self.count_timer is not None:
            self.count_timer.stop()
        self.query_one("#live-count", Static).update(Text("counting…"))
        generation = self.generation
        self.count_timer = self.set_timer(
            max(delay, 0.001), lambda: self.count_members(generation, self.ruleset())
        )

    @work(
        thread=True,
        exclusive=True,
        group="segment-count",
        exit_on_error=False,
        description="Count a segment's matching customers",
    )
    def count_members(self, generation: int, rules: RuleSet) -> None:
        try:
            count = self.services.segments.preview_count(rules, as_of=self.as_of)
        except ValidationError as exc:
            message = self.Counted(generation, None, exc.message, exc.field)
        else:
            message = self.Counted(generation, count)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    @on(Counted)
    def show_count(self, event: Counted) -> None:
        if event.generation != self.generation:
            return  # an older version of the rules; a newer count is on its way
        live = self.query_one("#live-count", Static)
        rows = list(self.query(RuleRow))
        for row in rows:
            row.remove_class("-invalid")
        if event.count is not None:
            noun = "customer matches" if event.count == 1 else "customers match"
            live.update(Text(f"{event.count:,} {noun}"))
            live.remove_class("-problem")
            self.set_message("")
            return
        live.update(Text("no count yet"))
        live.add_class("-problem")
        self.set_message(event.error or "")
        index = _rule_index(event.field)
        if index is not None and 0 <= index < len(rows):
            rows[index].add_class("-invalid")

    def set_message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#editor-message", Static)
        message.update(Text(text))
        message.set_class(error and bool(text), "-error")

    # --- editing rules -----------------------------------------------------------

    async def action_add_rule(self) -> None:
        if not self.dynamic:
            return
        row = self._new_row(None)
        await self.query_one("#rule-list", VerticalScroll).mount(row)
        row.field_select.focus()
        row.scroll_visible()
        self.schedule_count()

    def action_remove_rule(self) -> None:
        focused = self.focused
        row = next(
            (a for a in (focused.ancestors if focused else []) if isinstance(a, RuleRow)), None
        )
        if row is not None:
            self.remove_row(row)

    @on(RuleRow.RemoveRequested)
    def remove_requested(self, event: RuleRow.RemoveRequested) -> None:
        self.remove_row(event.row)

    def remove_row(self, row: RuleRow) -> None:
        rows = list(self.query(RuleRow))
        position = rows.index(row) if row in rows else 0
        row.remove()
        remaining = [r for r in rows if r is not row]
        if remaining:
            target = remaining[min(position, len(remaining) - 1)]
            self.call_after_refresh(target.field_select.focus)
        else:
            self.call_after_refresh(self.query_one("#segment-name", Input).focus)
        self.call_after_refresh(self.schedule_count)

    # --- saving ------------------------------------------------------------------

    def action_save(self) -> None:
        name = self.query_one("#segment-name", Input).value
        description = self.query_one("#segment-description", Input).value
        self.save(name, description, self.ruleset() if self.dynamic else None)

    @work(
        thread=True,
        exclusive=True,
        group="segment-save",
        exit_on_error=False,
        description="Save a segment",
    )
    def save(self, name: str, description: str, rules: RuleSet | None) -> None:
        segments = self.services.segments
        try:
            if self.segment is None:
                saved = segments.create(name, kind=self.kind, description=description, rules=rules)
            else:
                saved = segments.update(
                    self.segment.id,
                    expected_version=self.segment.version,
                    name=name,
                    description=description,
                    rules=rules,
                )
        except CrmError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.Saved(saved))

    @on(Refused)
    def refused(self, event: Refused) -> None:
        self.set_message(event.reason)

    @on(Saved)
    def saved(self, event: Saved) -> None:
        segment = event.segment
        self.notify(f"Saved the segment {segment.name}.", markup=False)
        self.dismiss(segment)

    def action_cancel(self) -> None:
        question = "Leave without saving the changes to this segment?"
        leave_asking_first(self, None, typed=self.dirty, question=question)


def _rule_index(field: str | None) -> int | None:
    """'rules.2.value' -> 1 (the row index)."""
    if not field or not field.startswith("rules."):
        return None
    part = field.split(".")[1]
    return int(part) - 1 if part.isdigit() else None
