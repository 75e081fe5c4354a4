"""The steps of a bulk action, chained by dialog callbacks.

Menu -> (tag name | status [-> reason] -> confirmation | file path) ->
progress dialog running the job -> a notice, then `on_done` so the list
shows the result. Callbacks rather than an awaiting worker, so no worker
sits waiting on a dialog (which would also stall `workers.wait_for_complete`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from crm_tui.models.enums import CustomerStatus
from crm_tui.services.bulk.service import BulkResult, CancelFn, ProgressFn, Selection
from crm_tui.services.exports.service import FORMAT_NAMES, FORMATS, ExportTarget, format_named
from crm_tui.ui.base import CrmAppBase
from crm_tui.ui.flows import groups, tools
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.progress import BulkJob, BulkProgressModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.wording import counted

BULK_ACTIONS: tuple[tuple[str, str], ...] = (
    ("add-tag", "Add a tag…"),
    ("remove-tag", "Remove a tag…"),
    ("status", "Change status…"),
    ("export", "Export to a file…"),
)
# Actions that need the ids in hand: offered for hand-marked rows only.
ID_ACTIONS: tuple[tuple[str, str], ...] = (
    ("segment-add", "Add to a hand-picked segment…"),
    ("segment-remove", "Remove from a hand-picked segment…"),
    ("billing-group", "Add to a billing group…"),
    ("merge", "Merge these customers…"),
)
STATUS_CHOICES = tuple(s.value for s in CustomerStatus if s != CustomerStatus.MERGED)


EXPORT_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (fmt, f"{FORMAT_NAMES[fmt]} (.{fmt})") for fmt in FORMATS
)


def default_export_path(fmt: str = "csv", now: datetime | None = None) -> Path:
    """~/customers-YYYYmmdd-HHMMSS.csv: new each time, so nothing is overwritten."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path.home() / f"customers-{stamp}.{fmt}"


def plural(n: int, noun: str = "customer") -> str:
    return counted(n, noun)


class BulkFlow:
    """One bulk action on `selection` (described to the user as `scope`)."""

    def __init__(
        self, app: CrmAppBase, selection: Selection, scope: str, on_done: Callable[[], None]
    ) -> None:
        self.app = app
        self.selection = selection
        self.scope = scope
        self.on_done = on_done

    # --- entry points ---------------------------------------------------------------

    def menu(self) -> None:
        actions = list(BULK_ACTIONS)
        if not self.selection.all_matches:
            actions += [a for a in ID_ACTIONS if a[0] != "merge" or len(self.selection.ids) > 1]
        self.app.push_screen(
            ChoiceModal(f"Bulk action on {self.scope}", actions), callback=self._chosen
        )

    def export(self) -> None:
        """Choose a format, then a new file (its name can change the format)."""
        self.app.push_screen(
            ChoiceModal(f"Export {self.scope} as", EXPORT_CHOICES),
            callback=self._export_as,
        )

    # --- steps --------------------------------------------------------------------------

    def _chosen(self, action: str | None) -> None:
        if action == "export":
            self.export()
        elif action is None or self.app.refuse_if_read_only():
            return
        elif action in ("add-tag", "remove-tag"):
            adding = action == "add-tag"
            prompt = PromptModal(
                "Add a tag" if adding else "Remove a tag",
                message=f"Tag to {'add to' if adding else 'remove from'} {self.scope}:",
                suggestions=self.app.services.lookups.tags,
                required="Type a tag name.",
            )
            self.app.push_screen(prompt, callback=lambda tag: self._tag(tag, adding))
        elif action == "status":
            statuses = [(status, status) for status in STATUS_CHOICES]
            self.app.push_screen(
                ChoiceModal(f"New status for {self.scope}", statuses),
                callback=self._status_chosen,
            )
        else:
            self._by_ids(action)

    def _by_ids(self, action: str) -> None:
        """Flows owned by the segment, billing-group and merge screens."""
        ids = sorted(self.selection.ids)
        flows: dict[str, Callable[[], None]] = {
            "segment-add": lambda: groups.add_to_segment(self.app, ids),
            "segment-remove": lambda: groups.remove_from_segment(self.app, ids),
            "billing-group": lambda: groups.add_to_billing_group(self.app, ids),
            "merge": lambda: tools.open_merge(self.app, ids),
        }
        if action in flows:
            flows[action]()

    def _tag(self, tag: str | None, adding: bool) -> None:
        if tag is None:
            return
        bulk, selection = self.app.services.bulk, self.selection
        verb = bulk.add_tag if adding else bulk.remove_tag

        def job(progress: ProgressFn, cancelled: CancelFn) -> BulkResult:
            return verb(selection, tag, progress=progress, cancelled=cancelled)

        title = f"{'Adding' if adding else 'Removing'} the tag “{tag}”"
        done = f"{'Tagged' if adding else 'Untagged'} {{n}} “{tag}”"
        self._run(title, job, done)

    def _status_chosen(self, status: str | None) -> None:
        if status is None:
            return
        if status == "blocked":
            prompt = PromptModal(
                "Block customers", message="Why are they blocked?", required="Give a reason."
            )
            self.app.push_screen(prompt, callback=lambda reason: self._confirm(status, reason))
        else:
            self._confirm(status, None)

    def _confirm(self, status: str, reason: str | None) -> None:
        if status == "blocked" and reason is None:
            return
        question = (
            f"Change the status of {self.scope} to {status}? "
            "Each change is recorded in the customer's history."
        )
        self.app.push_screen(
            ConfirmationModal(question),
            callback=lambda ok: self._set_status(status, reason) if ok else None,
        )

    def _set_status(self, status: str, reason: str | None) -> None:
        bulk, selection = self.app.services.bulk, self.selection

        def job(progress: ProgressFn, cancelled: CancelFn) -> BulkResult:
            return bulk.set_status(
                selection, status, reason=reason, progress=progress, cancelled=cancelled
            )

        self._run(f"Setting the status to {status}", job, f"Set {{n}} to {status}")

    def _export_as(self, fmt: str | None) -> None:
        if fmt is None:
            return
        exports = self.app.services.exports
        prompt = PromptModal(
            f"Export to {FORMAT_NAMES[fmt]}",
            message=f"Write {self.scope} to this new file (.csv, .xlsx, .vcf or .json):",
            value=str(default_export_path(fmt)),
            confirm="Export",
            check=lambda text: exports.target(text, None if format_named(Path(text)) else fmt),
        )
        self.app.push_screen(prompt, callback=self._export_to)

    def _export_to(self, target: ExportTarget | None) -> None:
        if target is None:
            return
        bulk, selection = self.app.services.bulk, self.selection

        def job(progress: ProgressFn, cancelled: CancelFn) -> BulkResult:
            return bulk.export(
                selection, target.path, fmt=target.format, progress=progress, cancelled=cancelled
            )

        self.app.push_screen(
            BulkProgressModal(f"Exporting {self.scope}", job), callback=self._exported
        )

    def _exported(self, result: BulkResult | None) -> None:
        if result is None:
            return
        if result.cancelled:
            self.app.notify("Export cancelled; no file was written.", markup=False)
        else:
            self.app.notify(
                f"Exported {plural(result.processed)} to {result.path}.", markup=False, timeout=8
            )

    def _run(self, title: str, job: BulkJob, done: str) -> None:
        self.app.push_screen(
            BulkProgressModal(title, job), callback=lambda result: self._report(result, done)
        )

    def _report(self, result: BulkResult | None, done: str) -> None:
        """Say what the change did, then let the list show it."""
        if result is None:
            return  # failed: the app's worker-failure handler has said why
        message = done.format(n=plural(result.changed))
        if result.cancelled:
            message += f", then stopped ({result.processed:,} of {result.total:,} done)"
        self.app.notify(message + ".", markup=False)
        self.on_done()
