"""Tags: every tag with its colour and how many customers carry it; create, rename,
recolour, merge and delete (asking first when the tag is in use)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.message import Message
from textual.widgets import DataTable, Static

from crm_tui.services.roles import Capability
from crm_tui.services.tags import TAG_COLORS, TagRead
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.tables import restore_cursor, selected_id


def swatch(color: str) -> Text:
    """A coloured dot and the colour's name (an unknown stored colour shows plain)."""
    try:
        style = Style(color=Color.parse(color).hex)
    except ColorParseError:
        style = Style()
    text = Text("● ", style=style)
    text.append(color)
    return text


class TagsScreen(CrmScreen[None]):
    """Maintain the tag vocabulary."""

    CSS_PATH: ClassVar = [str(stylesheet("tags.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "new_tag", "New"),
        Binding("r", "rename", "Rename"),
        Binding("c", "recolor", "Colour"),
        Binding("m", "merge", "Merge into…"),
        Binding("delete", "delete", "Delete", key_display="del"),
    ]

    @dataclass
    class TagsLoaded(Message):
        """The tag rows with their counts."""

        tags: list[TagRead]

    @dataclass
    class InUse(Message):
        """Customers or segment rules use the tag to delete: ask first."""

        tag: TagRead
        question: str

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[int, TagRead] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Tags"), id="tags-title", classes="screen-title")
        yield DataTable(id="tag-table", cursor_type="row", zebra_stripes=True)
        yield CrmFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Tag", key="name", width=32)
        table.add_column("Colour", key="color", width=12)
        table.add_column("Customers", key="count", width=10)
        table.focus()
        self.load()

    @work(
        thread=True, exclusive=True, group="tags", exit_on_error=False, description="Read the tags"
    )
    def load(self) -> None:
        self.post_message(self.TagsLoaded(self.services.tags.list()))

    @on(TagsLoaded)
    def show(self, event: TagsLoaded) -> None:
        table = self.query_one(DataTable)
        keep = selected_id(table)
        table.clear()
        self.tags = {t.id: t for t in event.tags}
        for tag in event.tags:
            table.add_row(
                Text(tag.name),
                swatch(tag.color),
                Text(f"{tag.customers:,}", justify="right"),
                key=str(tag.id),
            )
        restore_cursor(table, keep)
        title = f"Tags ({len(event.tags)})" if event.tags else "Tags: none yet, n adds one"
        self.query_one("#tags-title", Static).update(Text(title))

    @property
    def current(self) -> TagRead | None:
        row_id = selected_id(self.query_one(DataTable))
        return self.tags.get(row_id) if row_id is not None else None

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"new_tag", "rename", "recolor", "merge", "delete"}
    )
    WRITE_NEEDS: ClassVar[Capability] = Capability.SETTINGS  # tag names are shared settings

    def _done(self, result: object) -> None:
        if result is not None:
            self.load()

    # --- actions -----------------------------------------------------------------

    def action_new_tag(self) -> None:
        if not self.writable():
            return
        tags = self.services.tags
        self.app.push_screen(
            PromptModal("New tag", placeholder="tag name", check=lambda name: tags.create(name)),
            self._done,
        )

    def action_rename(self) -> None:
        tag = self.current
        if tag is None or not self.writable():
            return
        tags = self.services.tags
        self.app.push_screen(
            PromptModal(
                f"Rename the tag {tag.name}",
                value=tag.name,
                message="Customers keep the tag; segments follow the new name.",
                check=lambda name: tags.rename(tag.id, name),
            ),
            self._done,
        )

    def action_recolor(self) -> None:
        tag = self.current
        if tag is None or not self.writable():
            return

        def recolor(color: str) -> str:
            self.services.tags.recolor(tag.id, color)
            return ""  # the table shows the new colour

        def chosen(index: int | None) -> None:
            if index is not None:
                color = TAG_COLORS[index]
                self.run_write(lambda: recolor(color), "Recolour a tag")

        self.app.push_screen(
            ChoiceModal(f"Colour of {tag.name}", list(enumerate(TAG_COLORS))), chosen
        )

    def action_merge(self) -> None:
        source = self.current
        if source is None or not self.writable():
            return
        others = [(t.id, t.name) for t in self.tags.values() if t.id != source.id]

        def chosen(target_id: int | None) -> None:
            if target_id is None or target_id not in self.tags:
                return
            target = self.tags[target_id]
            message = (
                f"Merge {source.name} into {target.name}? Its {source.customers:,} customers "
                f"get {target.name}, and {source.name} is deleted."
            )

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_write(partial(self._merge, source.id, target.id), "Merge two tags")

            self.app.push_screen(ConfirmationModal(message, title="Merge tags"), answered)

        self.app.push_screen(
            ChoiceModal(f"Merge {source.name} into…", others, empty="There is no other tag."),
            chosen,
        )

    def _merge(self, source_id: int, target_id: int) -> str:
        result = self.services.tags.merge([source_id], target_id)
        text = (
            f"Merged: {result.moved:,} customers moved, {result.already_tagged:,} already had it."
        )
        if result.segments_updated:
            text += f" {result.segments_updated} segment rules updated."
        return text

    def action_delete(self) -> None:
        tag = self.current
        if tag is not None and self.writable():
            self.check_delete(tag)

    @work(
        thread=True,
        group="tag-write",
        exit_on_error=False,
        description="Count the customers of a tag before deleting it",
    )
    def check_delete(self, tag: TagRead) -> None:
        usage = self.services.tags.usage(tag.id)
        if not usage.customers and not usage.segments:
            self.services.tags.delete(tag.id)
            self.post_message(self.Written(f"Deleted the tag {tag.name}."))
            return
        parts = [f"{usage.customers:,} customers carry it"]
        if usage.segments:
            parts.append(f"segment rules name it ({', '.join(usage.segments)})")
        self.post_message(self.InUse(tag, f"Delete the tag {tag.name}? " + "; ".join(parts) + "."))

    @on(InUse)
    def ask_before_deleting(self, event: InUse) -> None:
        tag = event.tag

        def delete() -> str:
            self.services.tags.delete(tag.id)
            return ""  # the row goes; the question already said what it meant

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(delete, "Delete a tag")

        self.app.push_screen(ConfirmationModal(event.question, title="Delete tag"), answered)

    def show_written(self) -> None:
        self.load()
