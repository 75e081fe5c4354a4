"""The segments screen: every segment with its live member count, and a member preview.

The list paints at once from the segment rows; each count then fills in from
one worker (dynamic segments are counted by their compiled rules, which can
take a moment on a large database). Static segments' members can be removed
here; they are added from the customer list's marked rows or the detail screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey
from textual.worker import get_current_worker

from crm_tui.models.enums import SegmentKind
from crm_tui.services.errors import CrmError
from crm_tui.services.roles import Capability
from crm_tui.services.segments import MemberRow, SegmentRead
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.segment_editor import SegmentEditorScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.tables import restore_cursor, selected_id
from crm_tui.wording import counted

PREVIEW = 100


def money(value: object) -> str:
    return f"{value:,.2f}"


class SegmentsScreen(CrmScreen[None]):
    """Segments with counts; `enter` shows a segment's customers in the list when wired."""

    CSS_PATH: ClassVar = [str(stylesheet("segments.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "new_dynamic", "New"),
        Binding("s", "new_static", "New picked"),
        Binding("e", "edit", "Edit"),
        Binding("delete", "delete", "Delete", key_display="del"),
        Binding("a", "add_member", "Add member", show=False),
        Binding("x", "remove_member", "Remove member", show=False),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
    ]

    @dataclass
    class SegmentsLoaded(Message):
        """The segment rows, before their counts."""

        segments: list[SegmentRead]

    @dataclass
    class CountLoaded(Message):
        """One segment's member count."""

        segment_id: int
        count: int

    @dataclass
    class MembersLoaded(Message):
        """The member preview of one segment."""

        segment_id: int
        members: list[MemberRow]

    def __init__(
        self,
        *,
        as_of: date | None = None,
        on_pick: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.as_of = as_of
        self.on_pick = on_pick
        self.segments: dict[int, SegmentRead] = {}
        self.counts: dict[int, int] = {}
        self.preview_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Segments"), id="segments-title", classes="screen-title")
        yield DataTable(id="segment-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text("Members"), id="members-title", classes="section-title")
        yield DataTable(id="member-table", cursor_type="row")
        yield CrmFooter()

    def on_mount(self) -> None:
        table = self.query_one("#segment-table", DataTable)
        table.add_column("Segment", key="name", width=24)
        table.add_column("Kind", key="kind", width=7)
        table.add_column("Members", key="count", width=9)
        table.add_column("Rules or description", key="summary")
        members = self.query_one("#member-table", DataTable)
        members.add_column("Number", key="number", width=8)
        members.add_column("Name", key="name", width=28)
        members.add_column("Status", key="status", width=9)
        members.add_column(f"LTV {self.services.ctx.reporting_currency}", key="ltv")
        table.focus()
        self.load_segments()

    def on_resize(self, event: events.Resize) -> None:
        # The last column takes what is left, so nothing scrolls sideways at 80 columns.
        table = self.query_one("#segment-table", DataTable)
        summary = table.columns.get(ColumnKey("summary"))
        if summary is not None:
            summary.auto_width = False
            summary.width = max(16, event.size.width - 50)
            table.refresh()

    # --- loading ---------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="segments",
        exit_on_error=False,
        description="Read the segments and count their members",
    )
    def load_segments(self) -> None:
        segments = self.services.segments.list()
        self.post_message(self.SegmentsLoaded(segments))
        worker = get_current_worker()
        for segment in segments:
            if worker.is_cancelled:
                return
            count = self.services.segments.count(segment.id, as_of=self.as_of)
            self.post_message(self.CountLoaded(segment.id, count))

    @on(SegmentsLoaded)
    def show_segments(self, event: SegmentsLoaded) -> None:
        table = self.query_one("#segment-table", DataTable)
        keep = self.current_id
        table.clear()
        self.segments = {s.id: s for s in event.segments}
        for segment in event.segments:
            count = self.counts.get(segment.id)
            table.add_row(
                Text(segment.name),
                Text("rules" if segment.is_dynamic else "picked"),
                Text("…" if count is None else f"{count:,}", justify="right"),
                Text(
                    segment.summary_in(self.services.ctx.reporting_currency)
                    if segment.is_dynamic
                    else segment.description or segment.summary,
                    no_wrap=True,
                    overflow="ellipsis",  # cut with "…", never mid-word without a sign
                ),
                key=str(segment.id),
            )
        restore_cursor(table, keep)
        title = (
            f"Segments ({len(event.segments)})"
            if event.segments
            else "Segments: none yet, n adds one"
        )
        self.query_one("#segments-title", Static).update(Text(title))
        self.preview_current()

    @on(CountLoaded)
    def show_count(self, event: CountLoaded) -> None:
        self.counts[event.segment_id] = event.count
        table = self.query_one("#segment-table", DataTable)
        if str(event.segment_id) in table.rows:
            table.update_cell(
                str(event.segment_id), "count", Text(f"{event.count:,}", justify="right")
            )

    @property
    def current_id(self) -> int | None:
        return selected_id(self.query_one("#segment-table", DataTable))

    @on(DataTable.RowHighlighted, "#segment-table")
    def highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.preview_current()

    def preview_current(self) -> None:
        segment_id = self.current_id
        if segment_id is None or segment_id == self.preview_id:
            return
        self.preview_id = segment_id
        name = self.segments[segment_id].name if segment_id in self.segments else ""
        self.query_one("#members-title", Static).update(Text(f"Members of {name} (loading…)"))
        self.load_members(segment_id)

    @work(
        thread=True,
        exclusive=True,
        group="segment-members",
        exit_on_error=False,
        description="Read a segment's members",
    )
    def load_members(self, segment_id: int) -> None:
        members = self.services.segments.members(segment_id, limit=PREVIEW, as_of=self.as_of)
        if not get_current_worker().is_cancelled:
            self.post_message(self.MembersLoaded(segment_id, members))

    @on(MembersLoaded)
    def show_members(self, event: MembersLoaded) -> None:
        if event.segment_id != self.preview_id:
            return
        table = self.query_one("#member-table", DataTable)
        table.clear()
        for member in event.members:
            table.add_row(
                Text(member.number),
                Text(member.name),
                Text(member.status),
                Text(money(member.lifetime_value), justify="right"),
                key=str(member.customer_id),
            )
        segment = self.segments.get(event.segment_id)
        name = segment.name if segment else ""
        more = f", first {PREVIEW}" if len(event.members) >= PREVIEW else ""
        tail = "" if event.members else ": nobody yet"
        if segment is not None and not segment.is_dynamic:
            tail += " · a adds, x removes the highlighted one"
        self.query_one("#members-title", Static).update(Text(f"Members of {name}{more}{tail}"))

    # --- actions -----------------------------------------------------------------

    @on(DataTable.RowSelected, "#segment-table")
    def chosen(self, event: DataTable.RowSelected) -> None:
        segment_id = self.current_id
        if segment_id is None:
            return
        if self.on_pick is not None:
            pick = self.on_pick
            self.dismiss()
            pick(segment_id)
        else:
            self.action_edit()

    @on(DataTable.RowSelected, "#member-table")
    def open_member(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.crm.open_customer(int(event.row_key.value))

    def _open_editor(self, segment: SegmentRead | None, kind: str) -> None:
        if not self.writable():
            return
        self.app.push_screen(
            SegmentEditorScreen(segment, kind=kind, as_of=self.as_of),
            callback=lambda _saved: self.action_refresh(),
        )

    def action_new_dynamic(self) -> None:
        self._open_editor(None, SegmentKind.DYNAMIC)

    def action_new_static(self) -> None:
        self._open_editor(None, SegmentKind.STATIC)

    def action_edit(self) -> None:
        segment_id = self.current_id
        if segment_id is not None and segment_id in self.segments:
            segment = self.segments[segment_id]
            self._open_editor(segment, segment.kind)

    def action_refresh(self) -> None:
        self.counts.clear()
        self.preview_id = None
        self.load_segments()

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"new_dynamic", "new_static", "edit", "delete", "add_member", "remove_member"}
    )
    WRITE_NEEDS: ClassVar[Capability] = Capability.SETTINGS

    def action_delete(self) -> None:
        segment_id = self.current_id
        if segment_id is None or segment_id not in self.segments or not self.writable():
            return
        segment = self.segments[segment_id]
        count = self.counts.get(segment_id)
        who = counted(count, "customer") if count is not None else "its customers"
        message = (
            f"Delete the segment {segment.name}? Its {who} stay as they are; "
            "only the grouping goes."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(partial(self._delete, segment_id), "Delete a segment")

        self.app.push_screen(ConfirmationModal(message, title="Delete segment"), callback=answered)

    def _delete(self, segment_id: int) -> str:
        self.services.segments.delete(segment_id)
        return "Segment deleted."

    def action_remove_member(self) -> None:
        segment_id = self.preview_id
        members = self.query_one("#member-table", DataTable)
        if not members.has_focus:
            self.notify("Move to the members list (tab) and pick one to remove.", markup=False)
            return
        if not self.writable():
            return
        if segment_id is None or members.row_count == 0:
            return
        segment = self.segments.get(segment_id)
        if segment is None or segment.is_dynamic:
            self.notify(
                "Members of a rule-based segment follow its rules; edit the rules instead.",
                markup=False,
            )
            return
        customer_id = selected_id(members)
        if customer_id is not None:
            remove = partial(self._remove, segment_id, customer_id)
            self.run_write(remove, "Remove a customer from a segment")

    def action_add_member(self) -> None:
        segment_id = self.current_id
        segment = self.segments.get(segment_id) if segment_id is not None else None
        if segment is None or not self.writable():
            return
        if segment.is_dynamic:
            self.notify(
                "Members of a rule-based segment follow its rules; edit the rules instead.",
                markup=False,
            )
            return
        services = self.services

        def add(reference: str) -> str:
            customer = services.customers.resolve(reference)
            if not services.segments.add_members(segment.id, [customer.id]):
                raise CrmError(f"{customer.display_name} is already in {segment.name}.")
            return customer.display_name

        def added(name: object) -> None:
            if isinstance(name, str):
                self.notify(f"Added {name} to {segment.name}.", markup=False)
                self.action_refresh()

        self.app.push_screen(
            PromptModal(
                f"Add a customer to {segment.name}",
                placeholder="customer number (C-000123), e-mail or phone",
                check=add,
            ),
            added,
        )

    def _remove(self, segment_id: int, customer_id: int) -> str:
        self.services.segments.remove_members(segment_id, [customer_id])
        return "Removed from the segment."

    def show_written(self) -> None:
        self.action_refresh()
