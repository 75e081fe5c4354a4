"""The chips line of the customer list: one removable chip per active filter,
and on the right the sort order and how many customers are marked."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from crm_tui.services.money.shown import in_currency
from crm_tui.services.search import SearchFilters, SortSpec
from crm_tui.ui.base import UsesCrm

SORT_LABELS = {
    "relevance": "relevance",
    "name": "name",
    "lifetime_value": "lifetime value",
    "active_subscriptions": "subscriptions",
    "joined": "joined",
    "last_purchase": "last purchase",
    "outstanding": "outstanding",
    "days_overdue": "days overdue",
}
FIELD_LABELS = {
    "kind": "kind",
    "status": "status",
    "segment": "segment",
    "tag": "tag",
    "billing_group_id": "group",
    "has_active_subscription": "active sub",
    "ltv_min": "LTV ≥",
    "ltv_max": "LTV ≤",
    "owner": "owner",
    "segment_id": "saved segment",
    "outstanding": "owes",
    "overdue": "overdue",
    "include_merged": "with merged",
}


def sort_label(sort: SortSpec) -> str:
    if sort.key == "relevance":
        return "relevance"
    return f"{SORT_LABELS.get(sort.key, sort.key)} {'↓' if sort.descending else '↑'}"


# The sort dialog's choices (`s` on the list): (key, ascending label, descending label).
SORT_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("name", "Name A → Z", "Name Z → A"),
    ("lifetime_value", "Lifetime value, lowest first", "Lifetime value, highest first"),
    (
        "active_subscriptions",
        "Active subscriptions, fewest first",
        "Active subscriptions, most first",
    ),
    ("joined", "Joined, oldest first", "Joined, newest first"),
    ("last_purchase", "Last purchase, oldest first", "Last purchase, latest first"),
    ("outstanding", "Outstanding balance, lowest first", "Outstanding balance, highest first"),
    ("days_overdue", "Days overdue, fewest first", "Days overdue, most first"),
)


def sort_options() -> list[tuple[SortSpec, str]]:
    """Every order the sort dialog offers, in order; relevance has one direction."""
    options: list[tuple[SortSpec, str]] = [(SortSpec("relevance"), "Relevance (best match first)")]
    for key, up, down in SORT_CHOICES:
        options.append((SortSpec(key, False), up))  # type: ignore[arg-type]
        options.append((SortSpec(key, True), down))  # type: ignore[arg-type]
    return options


def chip_texts(
    filters: SearchFilters, names: dict[tuple[str, int], str], currency: str = ""
) -> list[tuple[str, str]]:
    """(field, chip text) for every filter that is set. `names` maps
    ("billing_group_id" | "segment_id", id) to a display name; `currency` is
    the reporting currency lifetime values are in ('LTV ≥ GBP 1,000.00')."""
    chips: list[tuple[str, str]] = []
    for item in fields(SearchFilters):
        value = getattr(filters, item.name)
        if value is None or value is False:
            continue
        label = FIELD_LABELS.get(item.name, item.name)
        if item.name == "include_merged":
            text = label
        elif item.name in ("billing_group_id", "segment_id"):
            text = f"{label}: {names.get((item.name, int(value)), f'#{value}')}"
        elif isinstance(value, bool):
            text = f"{label}: {'yes' if value else 'no'}"
        elif isinstance(value, Decimal):
            text = f"{label} {in_currency(value, currency) if currency else f'{value:,.2f}'}"
        else:
            text = f"{label}: {value}"
        chips.append((item.name, text))
    return chips


def without(filters: SearchFilters, field: str) -> SearchFilters:
    """The filters with one field cleared."""
    cleared: dict[str, Any] = {field: False if field == "include_merged" else None}
    return replace(filters, **cleared)


class FilterBar(UsesCrm, Horizontal):
    """Removable filter chips (enter or click removes one) and the list's state."""

    @dataclass
    class ChipRemoved(Message):
        """A chip was pressed: clear this filter field."""

        field: str

    def compose(self) -> ComposeResult:
        yield Horizontal(id="chips")
        yield Static("", id="list-state", markup=False)

    async def show(
        self, filters: SearchFilters, names: dict[tuple[str, int], str] | None = None
    ) -> None:
        """Replace the chips with those of `filters`."""
        chips = self.query_one("#chips", Horizontal)
        await chips.remove_children()
        texts = chip_texts(filters, names or {}, self.crm.reporting_currency)
        if not texts:
            await chips.mount(
                Static(Text("no filters · f to filter", style="dim"), classes="chip-hint")
            )
            return
        await chips.mount_all(
            Button(
                Content(f"{text} ✕"),
                id=f"chip-{field.replace('_', '-')}",
                compact=True,
                classes="chip",
            )
            for field, text in texts
        )

    def set_state(self, text: str) -> None:
        """The right-hand text: sort order, marks."""
        self.query_one("#list-state", Static).update(Text(text))

    @on(Button.Pressed, ".chip")
    def _chip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(self.ChipRemoved(event.button.id.removeprefix("chip-").replace("-", "_")))
