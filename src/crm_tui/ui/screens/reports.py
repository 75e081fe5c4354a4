"""Customer reports in the app (`g` on the list, the palette, or `r` on a customer's invoices).

The same reports as `crm report`: revenue by customer or by month, invoices,
payment history, over a period, of every customer or of one. `1`-`4` pick
the report, `f` the period (enter applies), `x` exports all of its rows as
CSV, Excel or JSON. Amounts stay in their currencies; nothing adds them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from crm_tui.models import format_number
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.report_files import report_target, write_report
from crm_tui.services.invoices.reports import Period, Report
from crm_tui.services.validation import parse_date
from crm_tui.text import literal
from crm_tui.ui.base import CrmScreen
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.fitted_table import Column, FittedTable
from crm_tui.wording import counted

SHOWN = 1000  # rows on screen; an export writes them all
CHOICES = {
    "1": ("revenue", "customer", "Revenue by customer"),
    "2": ("revenue", "month", "Revenue by month"),
    "3": ("invoices", "", "Invoices"),
    "4": ("payments", "", "Payments"),
}
# Names and references narrow (ending in "…") when 80 columns cannot hold a report;
# then these give way, the highest first: the invoice's kind, its issue date and the
# payment's settled part, then the customer number (the name stays). Figures never narrow.
FLEX = {"Name", "Reference"}
DROP = {"Kind": 3, "Issued": 2, "Settled invoices": 2, "Customer": 1}
FORMATS = [("csv", "CSV (.csv)"), ("xlsx", "Excel (.xlsx)"), ("json", "JSON (.json)")]


@dataclass(frozen=True)
class Wanted:
    """Which report, over which period, of whom."""

    choice: str
    period: Period
    customer_id: int | None


class ReportsScreen(CrmScreen[None]):
    """One report at a time, as a table; export writes every row."""

    CSS_PATH: ClassVar = [str(stylesheet("reports.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *(
            Binding(key, f"pick('{key}')", title, show=False)
            for key, (*_, title) in CHOICES.items()
        ),
        Binding("f", "period", "Period"),
        Binding("x", "export", "Export"),
        Binding("ctrl+r", "reload", "Refresh", show=False),
    ]

    @dataclass
    class Loaded(Message):
        """A report read for `wanted`."""

        wanted: Wanted
        report: Report
        customer: str

    def __init__(self, customer_id: int | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.wanted = Wanted("1", Period(), customer_id)
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="report-body"):
            yield Static(Text("Loading…", style="dim"), id="report-title")
            yield Static(
                Content("1 by customer · 2 by month · 3 invoices · 4 payments"), id="report-kinds"
            )
            with Horizontal(id="report-period"):
                yield Label(Content("From"), classes="report-label")
                yield self._date_input("report-from")
                yield Label(Content("To"), classes="report-label")
                yield self._date_input("report-to")
                yield Static(Content("YYYY-MM-DD, empty for any; enter applies"), id="report-hint")
            yield Static("", id="report-note")
            yield FittedTable([], id="report-table", zebra_stripes=True)
        yield CrmFooter()

    @staticmethod
    def _date_input(widget_id: str) -> Input:
        return Input(
            placeholder="any", id=widget_id, restrict=r"[0-9-]*", max_length=10, compact=True
        )

    def on_mount(self) -> None:
        self.query_one("#report-table", FittedTable).focus()
        self.load()

    # --- reading --------------------------------------------------------------------

    def load(self) -> None:
        self.query_one("#report-note", Static).update(Text("Reading…", style="dim"))
        self._read(self.wanted)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False,
          description="Read a report")  # fmt: skip
    def _read(self, wanted: Wanted) -> None:
        kind, by, _ = CHOICES[wanted.choice]
        report = self.services.reports.report(
            kind, wanted.period, by=by or "customer", customer_id=wanted.customer_id
        )
        customer = ""
        if wanted.customer_id is not None:
            name = self.services.customers.get(wanted.customer_id).display_name
            customer = f"{format_number(wanted.customer_id)} {name}"
        self.post_message(self.Loaded(wanted, report, customer))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        if event.wanted != self.wanted:
            return  # an older request answered late
        self.report = report = event.report
        period = event.wanted.period
        span = f"{period.start or 'the start'} to {period.end or 'today'}"
        who = literal(event.customer) if event.customer else "every customer"
        title = CHOICES[event.wanted.choice][2]
        self.query_one("#report-title", Static).update(
            Text.assemble((title, "bold"), f" · {who} · {span}")
        )
        count = len(report.rows)
        shown = f"first {SHOWN:,} of {count:,} rows" if count > SHOWN else counted(count, "row")
        self.query_one("#report-note", Static).update(
            Text(f"{shown} · x exports every row", style="dim")
        )
        table = self.query_one("#report-table", FittedTable)
        table.fitted_columns = [
            Column(header, flex=header in FLEX, drop=DROP.get(header, 0), right=i in report.numeric)
            for i, header in enumerate(report.headers)
        ]
        rows = [
            (str(n), [_cell(v, i in report.numeric) for i, v in enumerate(row)])
            for n, row in enumerate(report.rows[:SHOWN])
        ]
        if not rows:
            blank = [Text("") for _ in report.headers]
            rows = [("none", [Text("nothing in this period", style="dim"), *blank[1:]])]
        table.set_rows(rows)

    # --- keys -----------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_pick(self, key: str) -> None:
        self.wanted = Wanted(key, self.wanted.period, self.customer_id)
        self.load()

    def action_period(self) -> None:
        self.query_one("#report-from", Input).focus()

    @on(Input.Submitted, "#report-period Input")
    def apply_period(self) -> None:
        try:
            start = parse_date(self.query_one("#report-from", Input).value or None, "from")
            end = parse_date(self.query_one("#report-to", Input).value or None, "to")
            period = Period(start, end)
            period.check()
        except ValidationError as error:
            self.query_one("#report-note", Static).update(Text(error.message, style="bold"))
            return
        self.wanted = Wanted(self.wanted.choice, period, self.customer_id)
        self.query_one("#report-table", FittedTable).focus()
        self.load()

    def action_export(self) -> None:
        if self.report is None:
            return
        self.app.push_screen(ChoiceModal("Export the report as", FORMATS), callback=self._as)

    def _as(self, fmt: str | None) -> None:
        report = self.report
        if fmt is None or report is None:
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{report.title.lower()}-{stamp}.{fmt}"
        prompt = PromptModal(
            "Export the report",
            message=f"Write the {counted(len(report.rows), 'row')} to this new file (.csv, .xlsx, .json):",
            value=str(Path.home() / name), confirm="Export",
            check=lambda text: report_target(text, fmt),
        )  # fmt: skip
        self.app.push_screen(prompt, callback=self._to)

    def _to(self, target: tuple[Path, str] | None) -> None:
        if target is not None and self.report is not None:
            self._write(self.report, *target)

    @work(thread=True, group="report-export", exit_on_error=False,
          description="Export a report")  # fmt: skip
    def _write(self, report: Report, path: Path, fmt: str) -> None:
        write_report(report, fmt, path)
        self.app.call_from_thread(
            self.notify, f"Wrote {counted(len(report.rows), 'row')} to {path}.", markup=False
        )


def _cell(value: Any, numeric: bool) -> Text:
    if value is None and numeric:  # an amount with no rate into the reporting currency
        return Text("")
    if isinstance(value, Decimal):
        return Text(f"{value:,.2f}", justify="right")
    if isinstance(value, date):
        return Text(value.isoformat())
    if numeric:
        return Text(f"{value:,}", justify="right")
    shown = literal(str(value)) if value is not None else ""
    return Text(shown, no_wrap=True, overflow="ellipsis")
