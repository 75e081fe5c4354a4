"""The dialog for an edit overtaken by another clerk's save.

Usage::

    try:
        services.contacts.update(contact_id, changes, expected_version=version)
    except ConflictError as error:  # in a worker: hop to the UI thread first
        app.push_screen(ConflictModal(error), callback=on_choice)

    def on_choice(choice: ConflictChoice) -> None:
        if choice == "reapply":  # save again over the other clerk's values
            services.contacts.update(contact_id, changes, expected_version=error.current_version)
        else:  # "reload": drop this edit and show what is stored now
            ...

`escape` means "reload": nothing is ever overwritten without an explicit choice.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Static

from crm_tui.services.errors import ConflictError
from crm_tui.ui.base import CrmModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.detail.base import cell

ConflictChoice = Literal["reload", "reapply"]


def _value(value: str | None) -> Text:
    return cell(value) if value not in (None, "") else Text("(empty)", style="dim italic")


class ConflictModal(CrmModal[ConflictChoice]):
    """Show each conflicting field (when you opened it / saved by someone else / yours)
    and dismiss "reload" (`r`, `escape`) or "reapply" (`a`)."""

    CSS_PATH: ClassVar = [str(stylesheet("dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,escape", "choose('reload')", "Reload", show=False),
        Binding("a", "choose('reapply')", "Re-apply", show=False),
    ]

    def __init__(self, error: ConflictError) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conflict-dialog"):
            yield Static(Content("Someone else changed this"), classes="dialog-title")
            yield Static(
                Content(
                    f"Another clerk saved this {self.error.entity} after you opened it. "
                    "Reload to keep their values, or re-apply yours over them."
                ),
                classes="dialog-message",
            )
            yield DataTable(id="conflict-table", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content("Reload (r)"), variant="primary", id="conflict-reload", compact=True
                )
                yield Button(
                    Content("Re-apply mine (a)"),
                    variant="warning",
                    id="conflict-reapply",
                    compact=True,
                )

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#conflict-table", DataTable)
        table.add_columns("Field", "When you opened it", "Saved by other", "Yours")
        for conflict in self.error.conflicts:
            table.add_row(
                cell(conflict.field.replace("_", " "), style="bold"),
                _value(conflict.then),
                _value(conflict.now),
                _value(conflict.yours),
            )
        self.query_one("#conflict-reload", Button).focus()

    def action_choose(self, choice: ConflictChoice) -> None:
        self.dismiss(choice)

    @on(Button.Pressed, "#conflict-reload")
    def _reload(self) -> None:
        self.dismiss("reload")

    @on(Button.Pressed, "#conflict-reapply")
    def _reapply(self) -> None:
        self.dismiss("reapply")
