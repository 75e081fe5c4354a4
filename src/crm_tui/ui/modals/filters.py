"""The filters dialog of the customer list (`f`): returns new SearchFilters or None."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.lookups.filters import FilterChoices
from crm_tui.services.search import SearchFilters
from crm_tui.ui.base import CrmModal
from crm_tui.ui.styles import stylesheet

SelectOptions = list[tuple[str | Content, Any]]


def parse_money(raw: str, label: str) -> Decimal | None:
    """'' -> None; '1,200.50' -> Decimal; anything else raises ValueError with a sentence."""
    cleaned = raw.strip().replace(",", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{label} must be an amount such as 250 or 99.50.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{label} must be zero or more.")
    return value.quantize(Decimal("0.01"))


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


YES_NO = [("yes", "yes"), ("no", "no")]


def _choice(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _options(values: list[tuple[str, Any]]) -> SelectOptions:
    # Content(...) shows names literally; a str prompt would be parsed as markup.
    return [(Content(label), value) for label, value in values]


@dataclass(frozen=True)
class AppliedFilters:
    """What the dialog returns: the filters, and names for ids shown on chips."""

    filters: SearchFilters
    names: dict[tuple[str, int], str] = field(default_factory=dict)


def _amount_input(widget_id: str, value: Decimal | None) -> Input:
    """One end of the lifetime-value range: digits and separators only."""
    return Input(
        "" if value is None else str(value),
        id=widget_id,
        placeholder="any",
        restrict=r"[0-9.,]*",
        compact=True,
    )


class FiltersModal(CrmModal[AppliedFilters | None]):
    """Kind, status, segment, tag, billing group, active subscription, LTV range, owner."""

    CSS_PATH: ClassVar = [str(stylesheet("list_dialogs.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("ctrl+r", "clear", "Clear all"),
    ]

    class ChoicesLoaded(Message):
        """Filter choices arrived from the database."""

        def __init__(self, choices: FilterChoices) -> None:
            super().__init__()
            self.choices = choices

    def __init__(
        self, filters: SearchFilters, names: dict[tuple[str, int], str] | None = None
    ) -> None:
        super().__init__()
        self.filters = filters
        self.known_names = dict(names or {})
        self.choices: FilterChoices | None = None

    def compose(self) -> ComposeResult:
        f = self.filters
        with Vertical(classes="list-dialog", id="filters-dialog"):
            yield Static("Filters", classes="dialog-title")
            with Grid(id="filter-grid"):
                yield Label("Kind")
                yield self._select("kind", [(k.value, k.value) for k in CustomerKind], f.kind)
                yield Label("Status")
                yield self._select("status", [(s.value, s.value) for s in CustomerStatus], f.status)
                yield Label("Segment")
                yield self._select("segment", self._keep([], f.segment), f.segment)
                yield Label("Tag")
                yield self._select("tag", self._keep([], f.tag), f.tag)
                yield Label("Billing group")
                yield self._select(
                    "billing-group",
                    self._keep(
                        [],
                        f.billing_group_id,
                        self._id_name("billing_group_id", f.billing_group_id),
                    ),
                    f.billing_group_id,
                )
                yield Label("Owner")
                yield self._select("owner", self._keep([], f.owner), f.owner)
                yield Label("Saved segment")
                yield self._select(
                    "segment-id",
                    self._keep([], f.segment_id, self._id_name("segment_id", f.segment_id)),
                    f.segment_id,
                )
                yield Label("Active sub.")
                yield self._select(
                    "active-sub",
                    [("yes", "yes"), ("no", "no")],
                    None
                    if f.has_active_subscription is None
                    else ("yes" if f.has_active_subscription else "no"),
                )
                yield Label("Owes")
                yield self._select("outstanding", YES_NO, _choice(f.outstanding))
                yield Label("Overdue")
                yield self._select("overdue", YES_NO, _choice(f.overdue))
                yield Label(f"LTV {self.services.ctx.reporting_currency}")
                with Horizontal(classes="ltv-range"):
                    yield _amount_input("ltv-min", f.ltv_min)
                    yield Label(" to ")
                    yield _amount_input("ltv-max", f.ltv_max)
            yield Static("", id="filters-error", classes="error-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Clear all", id="clear", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _id_name(self, field: str, value: int | None) -> str:
        return "" if value is None else self.known_names.get((field, value), f"#{value}")

    @staticmethod
    def _keep(
        values: list[tuple[str, Any]], current: Any, label: Any = None
    ) -> list[tuple[str, Any]]:
        """The options, plus the current value until the real choices arrive."""
        if current is not None and all(v != current for _l, v in values):
            values = [*values, (str(label if label is not None else current), current)]
        return values

    @staticmethod
    def _select(name: str, values: list[tuple[str, Any]], current: Any) -> Select[Any]:
        return Select(
            _options(values),
            prompt="any",
            allow_blank=True,
            value=Select.NULL if current is None else current,
            id=f"filter-{name}",
            compact=True,
        )

    def on_mount(self) -> None:
        self.query_one("#filter-kind", Select).focus()
        self.load_choices()

    @work(
        thread=True,
        exclusive=True,
        group="filter-choices",
        exit_on_error=False,
        description="Read the filter choices",
    )
    def load_choices(self) -> None:
        self.post_message(self.ChoicesLoaded(self.crm.services.lookups.filter_choices()))

    @on(ChoicesLoaded)
    def fill_choices(self, event: ChoicesLoaded) -> None:
        c, f = event.choices, self.filters
        self.choices = c
        self._refill("segment", [(s, s) for s in c.segments], f.segment)
        self._refill("tag", [(t, t) for t in c.tags], f.tag)
        groups = [(n, i) for i, n in c.billing_groups]
        self._refill("billing-group", groups, f.billing_group_id)
        self._refill("owner", [(o, o) for o in c.owners], f.owner)
        self._refill("segment-id", [(n, i) for i, n in c.saved_segments], f.segment_id)

    def _refill(self, name: str, values: list[tuple[str, Any]], current: Any) -> None:
        select = self.query_one(f"#filter-{name}", Select)
        chosen = select.value
        select.set_options(_options(self._keep(values, current)))
        if chosen is not Select.NULL:
            select.value = chosen

    def _value(self, name: str) -> Any:
        value = self.query_one(f"#filter-{name}", Select).value
        return None if value is Select.NULL else value

    def chosen(self) -> SearchFilters:
        """The filters as the form shows them; ValueError for a bad amount."""
        ltv_min = parse_money(self.query_one("#ltv-min", Input).value, "LTV from")
        ltv_max = parse_money(self.query_one("#ltv-max", Input).value, "LTV to")
        if ltv_min is not None and ltv_max is not None and ltv_min > ltv_max:
            raise ValueError("LTV from must not be more than LTV to.")
        return SearchFilters(
            kind=self._value("kind"),
            status=self._value("status"),
            segment=self._value("segment"),
            tag=self._value("tag"),
            billing_group_id=self._value("billing-group"),
            has_active_subscription=_yes_no(self._value("active-sub")),
            ltv_min=ltv_min,
            ltv_max=ltv_max,
            owner=self._value("owner"),
            segment_id=self._value("segment-id"),
            outstanding=_yes_no(self._value("outstanding")),
            overdue=_yes_no(self._value("overdue")),
            include_merged=self.filters.include_merged,
        )

    def names(self) -> dict[tuple[str, int], str]:
        """Display names of billing groups and saved segments, for the chips."""
        names = dict(self.known_names)
        if self.choices is not None:
            names.update({("billing_group_id", i): n for i, n in self.choices.billing_groups})
            names.update({("segment_id", i): n for i, n in self.choices.saved_segments})
        return names

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        try:
            filters = self.chosen()
        except ValueError as exc:
            self.query_one("#filters-error", Static).update(Text(str(exc)))
            return
        self.dismiss(AppliedFilters(filters, self.names()))

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(AppliedFilters(SearchFilters()))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submit(self) -> None:
        self.action_apply()
