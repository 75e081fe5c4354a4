"""The KPI line under the customer list: figures for what the list shows now."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from crm_tui.services.money.shown import in_currency
from crm_tui.services.search import Kpis


def kpi_text(kpis: Kpis) -> Text:
    """'1,234 customers · 34.5% returning · avg spent GBP 120.00 · avg LTV GBP 80.00'.

    The averages are in the reporting currency (every payment converted at
    the rate of its day), and say so.
    """
    parts = [
        (f"{kpis.customers:,}", "customer" if kpis.customers == 1 else "customers"),
        (f"{kpis.returning_pct:.1f}%", "returning"),
        (in_currency(kpis.average_spent, kpis.currency), "avg spent"),
        (in_currency(kpis.average_lifetime_value, kpis.currency), "avg LTV"),
    ]
    text = Text()
    for i, (value, label) in enumerate(parts):
        if i:
            text.append(" · ", style="dim")
        if label.startswith("avg"):
            text.append(f"{label} ", style="dim")
            text.append(value, style="bold")
        else:
            text.append(value, style="bold")
            text.append(f" {label}", style="dim")
    return text


class KpiBar(Static):
    """Customers, returning %, average spent and average lifetime value."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(Text("…", style="dim"), id=id, markup=False)

    def show_kpis(self, kpis: Kpis) -> None:
        self.update(kpi_text(kpis), layout=False)  # one fixed line: no layout pass

    def show_pending(self) -> None:
        self.update(Text("counting…", style="dim"), layout=False)
