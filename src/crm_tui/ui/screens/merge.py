"""Merge duplicates: likely duplicate groups, a field-by-field choice, confirm.

The left list holds the groups the database scan found (or the customers
the screen was opened with). `enter` on a group shows each customer as a
column and each field whose values differ as a row; the winning value is
marked ●. `enter` on a cell makes that customer's value win, `k` keeps the
customer of the current column, `ctrl+s` asks for confirmation and merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.services.merge.scan import ScanResult
from crm_tui.services.merge.service import MergePlan, MergeResult, MergeService
from crm_tui.services.roles import Capability
from crm_tui.text import literal
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.wording import counted

PICK_A_GROUP = (
    "Choose a group on the left (enter) to compare its customers field by field, "
    "pick the values to keep and merge them (ctrl+s)."
)
NO_GROUPS = (
    "No likely duplicates: no two customers share an e-mail or a phone, and no names "
    "look alike. Mark customers on the list and choose Merge to merge them anyway; "
    "r scans again."
)


class MergeScreen(CrmScreen[None]):
    """Find and merge duplicate customers."""

    CSS_PATH: ClassVar = [str(stylesheet("merge.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("k", "keep_column", "Keep this one"),
        Binding("ctrl+s", "merge", "Merge"),
        Binding("r", "rescan", "Rescan"),
    ]

    @dataclass
    class GroupsFound(Message):
        """The likely duplicate groups the scan found."""

        result: ScanResult

    @dataclass
    class Planned(Message):
        """Each field's values across the chosen customers."""

        plan: MergePlan

    @dataclass
    class Merged(Message):
        """The merge is done."""

        result: MergeResult

    def __init__(self, ids: list[int] | None = None) -> None:
        super().__init__()
        self.initial_ids = list(ids or [])
        self.groups: list[tuple[int, ...]] = []
        self.plan: MergePlan | None = None
        self.keep: int | None = None
        self.choices: dict[str, int] = {}

    @property
    def service(self) -> MergeService:
        return MergeService(self.crm.services.ctx)

    def compose(self) -> ComposeResult:
        yield Static(Content("Merge duplicates"), id="merge-title")
        with Horizontal(id="merge-body"):
            with Vertical(id="merge-groups-pane"):
                yield Static("Scanning…", id="merge-scan-status")
                yield OptionList(id="merge-groups")
            with Vertical(id="merge-plan-pane"):
                yield Static(Content(PICK_A_GROUP), id="merge-hint")
                yield DataTable(id="merge-fields", cursor_type="cell", zebra_stripes=True)
                yield Static("", id="merge-moves")
        yield CrmFooter()

    def on_mount(self) -> None:
        if len(self.initial_ids) >= 2:
            self.groups = [tuple(self.initial_ids)]
            self.query_one("#merge-scan-status", Static).update(Content("The marked customers"))
            self.query_one("#merge-groups", OptionList).add_option(
                Option(" + ".join(f"C-{i:06d}" for i in self.initial_ids))
            )
            self.load_plan(list(self.initial_ids), None)
        else:
            self.scan()
        self.query_one("#merge-groups", OptionList).focus()

    @work(
        thread=True,
        exclusive=True,
        group="merge-scan",
        exit_on_error=False,
        description="Scan for likely duplicates",
    )
    def scan(self) -> None:
        self.post_message(self.GroupsFound(self.service.find_groups()))

    @work(
        thread=True,
        exclusive=True,
        group="merge-plan",
        exit_on_error=False,
        description="Plan a merge",
    )
    def load_plan(self, ids: list[int], keep: int | None) -> None:
        self.post_message(self.Planned(self.service.plan(ids, keep)))

    @work(
        thread=True,
        exclusive=True,
        group="merge-run",
        exit_on_error=False,
        description="Merge customers",
    )
    def run_merge(
        self, ids: list[int], keep: int, choices: dict[str, int], versions: dict[int, int]
    ) -> None:
        result = self.service.merge(ids, keep=keep, choices=choices, expected_versions=versions)
        self.post_message(self.Merged(result))

    @on(Merged)
    def merged(self, event: Merged) -> None:
        result = event.result
        self.notify(
            f"Merged {counted(len(result.merged), 'customer')} into {result.survivor.number}.",
            markup=False,
        )
        self.plan = None
        self.query_one("#merge-fields", DataTable).clear(columns=True)
        self._show_table(False)
        self.query_one("#merge-moves", Static).update("")
        self.initial_ids = []
        self.scan()

    @on(GroupsFound)
    def groups_found(self, event: GroupsFound) -> None:
        self.show_groups(event.result)

    @on(Planned)
    def planned(self, event: Planned) -> None:
        self.show_plan(event.plan)

    def show_groups(self, result: ScanResult) -> None:
        options = self.query_one("#merge-groups", OptionList)
        options.clear_options()
        self.groups = [g.ids for g in result.groups]
        for group in result.groups:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(" / ".join(literal(m.name) for m in group.members), style="bold")
            text.append(
                "\n  "
                + ", ".join(m.number for m in group.members)
                + f"  ({', '.join(group.reasons)})",
                style="dim",
            )
            options.add_option(Option(text))
        more = " (first 500)" if result.truncated else ""
        status = f"{counted(len(result.groups), 'likely duplicate group')}{more} in {result.seconds:.1f} s"
        self.query_one("#merge-scan-status", Static).update(Text(status))
        if self.plan is None:
            hint = PICK_A_GROUP if result.groups else NO_GROUPS
            self.query_one("#merge-hint", Static).update(Content(hint))

    def _show_table(self, shown: bool) -> None:
        """The field-by-field table once a group is chosen; until then, what to do."""
        self.query_one("#merge-fields", DataTable).display = shown
        self.query_one("#merge-hint", Static).display = not shown

    @on(OptionList.OptionSelected, "#merge-groups")
    def group_chosen(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.groups):
            self.load_plan(list(self.groups[event.option_index]), None)

    def show_plan(self, plan: MergePlan) -> None:
        if self.plan is None or {c.id for c in plan.customers} != {
            c.id for c in self.plan.customers
        }:
            self.choices = {}
        self.plan = plan
        self.keep = plan.keep
        self._show_table(True)
        self._paint()
        self.query_one("#merge-fields", DataTable).focus()

    def _paint(self) -> None:
        plan = self.plan
        if plan is None:
            return
        table = self.query_one("#merge-fields", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("Field", key="field")
        for customer in plan.customers:
            label = f"{customer.number}{' (kept)' if customer.id == self.keep else ''}"
            table.add_column(label, key=str(customer.id))
        for choice in plan.fields:
            if not choice.differs:
                continue
            winner = self.choices.get(choice.field, choice.default)
            cells: list[Text] = [Text(choice.field.replace("_", " "))]
            for cid, value in choice.values:
                mark = "● " if cid == winner else "  "
                cells.append(Text(mark + (literal(value) or "—"), style="bold" if cid == winner else "dim",
                                  no_wrap=True, overflow="ellipsis"))  # fmt: skip
            table.add_row(*cells, key=choice.field)
        if table.row_count:
            table.cursor_coordinate = table.validate_cursor_coordinate(cursor)
        moves = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in sorted(plan.children.items()))
        self.query_one("#merge-moves", Static).update(
            Text(
                f"Moves to the kept customer: {moves or 'nothing'}.  enter picks a value · k keeps a column · ctrl+s merges"
            )
        )

    def _column_customer(self) -> int | None:
        table = self.query_one("#merge-fields", DataTable)
        if self.plan is None or table.cursor_column == 0:
            return None
        index = table.cursor_column - 1
        return self.plan.customers[index].id if index < len(self.plan.customers) else None

    @on(DataTable.CellSelected, "#merge-fields")
    def pick_value(self, event: DataTable.CellSelected) -> None:
        customer = self._column_customer()
        if customer is None or event.cell_key.row_key.value is None:
            return
        self.choices[str(event.cell_key.row_key.value)] = customer
        self._paint()

    def action_keep_column(self) -> None:
        customer = self._column_customer()
        if customer is None or self.plan is None:
            return
        ids = [c.id for c in self.plan.customers]
        self.choices = {}
        self.load_plan(ids, customer)

    def action_merge(self) -> None:
        plan = self.plan
        if plan is None or self.keep is None or self.crm.refuse_unless(Capability.MERGE):
            return
        kept = next(c for c in plan.customers if c.id == self.keep)
        others = ", ".join(c.number for c in plan.customers if c.id != self.keep)
        question = f"Merge {others} into {kept.number} ({literal(kept.display_name)})? The others stay as merged records."
        ids = [c.id for c in plan.customers]
        versions = {c.id: c.version for c in plan.customers}
        keep, choices = self.keep, dict(self.choices)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_merge(ids, keep, choices, versions)

        self.app.push_screen(
            ConfirmationModal(question, title="Merge customers", confirm="Merge"), callback=answered
        )

    def action_rescan(self) -> None:
        self.query_one("#merge-scan-status", Static).update("Scanning…")
        self.scan()

    def action_back(self) -> None:
        if self.plan is not None and self.query_one("#merge-fields", DataTable).has_focus:
            self.query_one("#merge-groups", OptionList).focus()
            return
        self.dismiss()
