"""What the six customer-detail tabs share: literal text, formats, and loading in a thread.

Every tab body is a `DetailTab`: it fetches through the services in a thread
worker (`fetch`, never touching widgets) and fills its widgets on the UI
thread (`show`). Stored text reaches the screen only as rich `Text` built by
`crm_tui.text.literal()` (through `cell()` here), so neither markup nor escape
sequences are interpreted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import get_current_worker

from crm_tui.text import literal
from crm_tui.ui.base import UsesCrm
from crm_tui.ui.widgets.fitted_table import FittedTable

DataT = TypeVar("DataT")

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥"}
_THEME_COLORS: dict[tuple[str, str], str] = {}


def cell(value: object, style: str = "") -> Text:
    """A table cell: literal Text, never markup."""
    return Text(literal(value), style=style, no_wrap=True, overflow="ellipsis")


def money(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    code = (currency or "GBP").upper()
    symbol = _SYMBOLS.get(code)
    figure = f"{amount:,.2f}"
    return f"{symbol}{figure}" if symbol else f"{figure} {code}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().date().isoformat()
    return value.isoformat()


def local_time(value: datetime | None) -> str:
    """A stored UTC time in the local zone, to the minute."""
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")


def pairs(rows: list[tuple[str, object]]) -> Text:
    """Label/value lines for the Overview panels; values shown literally, blanks as —."""
    width = max((len(label) for label, _ in rows), default=0) + 1
    out = Text(no_wrap=True, overflow="ellipsis")
    for index, (label, value) in enumerate(rows):
        if index:
            out.append("\n")
        out.append(f"{label:<{width}}", style="dim")
        shown = literal(value)
        out.append(shown or "—", style="" if shown else "dim")
    return out


class DetailTab(UsesCrm, Vertical, Generic[DataT]):
    """A tab body that loads its data in a thread and fills in on the UI thread.

    Subclasses implement `fetch` (thread; services only) and `show` (UI thread).
    The screen calls the hooks (`add_item`, `edit_item`, ...) for the keys.
    """

    KIND: ClassVar[str] = "item"

    @dataclass
    class Changed(Message):
        """This tab saved something: other tabs and the header may be stale."""

        tab: DetailTab[Any]

    @dataclass
    class Loaded(Message):
        """What `fetch` read, for `show` (kept to this tab: it does not bubble)."""

        bubble: ClassVar[bool] = False
        data: Any
        customer_id: int  # whose data: a kept screen may show someone else by now

    @dataclass
    class Written(Message):
        """A write went through; `done` says what it did (kept to this tab)."""

        bubble: ClassVar[bool] = False
        done: str

    def __init__(self, customer_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.customer_id = customer_id
        self.loaded = False

    # --- loading -----------------------------------------------------------

    def load(self) -> None:
        """(Re)load this tab's data; the widgets keep showing the old data until it lands."""
        self.loaded = True
        self._load()

    @work(
        thread=True,
        exclusive=True,
        group="detail-load",
        exit_on_error=False,
        description="Read a detail tab's data",
    )
    def _load(self) -> None:
        customer_id = self.customer_id
        data = self.fetch()
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(data, customer_id))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.customer_id != self.customer_id:
            return  # read for the customer this screen showed before
        self.show(event.data)
        self.display = True

    def reset(self, customer_id: int) -> None:
        """Show another customer (the screen is kept between customers): nothing of the
        last one stays on screen or under a key; the tab reads its data when next shown."""
        self.customer_id = customer_id
        self.loaded = False
        self.display = False  # until this customer's data lands
        for table in self.query(FittedTable):
            table.set_rows([])
        for data_table in self.query(DataTable):
            data_table.clear()
        self.forget()

    def forget(self) -> None:
        """Drop what the tab keeps of its customer beside its widgets (filters, rows)."""

    def fetch(self) -> DataT:
        """Read everything the tab shows (runs in a thread)."""
        raise NotImplementedError

    def show(self, data: DataT) -> None:
        """Fill the widgets (UI thread)."""
        raise NotImplementedError

    def focus_main(self) -> None:
        """Give focus to the tab's main widget after a switch."""
        for table in self.query("DataTable, FittedTable"):
            if table.display:
                table.focus()
                return

    # --- writes ------------------------------------------------------------

    def run_write(self, write: Callable[[], object], done: str) -> None:
        """Run a service write in a thread; on success say `done` and reload."""
        self._write(write, done)

    @work(
        thread=True,
        group="detail-write",
        exit_on_error=False,
        description="Save a change on a detail tab",
    )
    def _write(self, write: Callable[[], object], done: str) -> None:
        write()  # a CrmError reaches the app's worker-failure handler as a notice
        self.post_message(self.Written(done))

    @on(Written)
    def _written(self, event: Written) -> None:
        self.saved(event.done)

    def saved(self, done: str = "") -> None:
        """After a successful write: tell the user, reload, let the screen mark others stale."""
        if done:
            self.notify(done, markup=False, timeout=3)
        self.load()
        self.post_message(self.Changed(self))

    def form_closed(self, saved: bool | None) -> None:
        """Callback for item forms."""
        if saved:
            self.saved()

    # --- key hooks (the screen's n/e/p/x/f/... land here) ------------------

    def add_item(self) -> None:
        self.notify("There is nothing to add on this tab.", markup=False)

    def edit_item(self) -> None:
        self.notify("There is nothing to edit on this tab.", markup=False)

    def remove_item(self) -> None:
        self.notify("There is nothing to remove on this tab.", markup=False)

    def nothing_selected(self) -> None:
        self.notify(f"Select a {self.KIND} first.", markup=False, severity="warning")

    def theme_color(self, name: str, fallback: str) -> str:
        """A theme colour for rich styles in cells (cached: the colour system is costly)."""
        key = (self.app.theme, name)
        if key not in _THEME_COLORS:
            _THEME_COLORS[key] = self.app.get_css_variables().get(name, fallback)
        return _THEME_COLORS[key]

    def error_style(self) -> str:
        """Rich style for warnings in cells, from the current theme."""
        return f"bold {self.theme_color('error', 'red')}"

    def accent_style(self) -> str:
        return self.theme_color("accent", "cyan")
