"""The dashboard's headline strip: one line of key numbers, filled in as panels load."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from crm_tui.services.dashboard import (
    CustomerTrend,
    EndingContracts,
    FollowUps,
    IncomeSeries,
    RateSeries,
)

ORDER = ("customers", "active", "income", "failures", "churn", "follow_ups", "ending")


class DashboardKpis(Static):
    """`Customers 60 · Active 45 · GBP 1,234.00/mo · Failed 3.2% · ...` (literal text)."""

    DEFAULT_CSS = """
    DashboardKpis { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Text("loading figures…"), id=id)
        self.parts: dict[str, tuple[str, str]] = {}

    def take(self, panel: str, data: Any) -> None:
        """Pick the headline numbers out of a panel's figure."""
        if isinstance(data, CustomerTrend) and data.customers:
            self.parts["customers"] = ("Customers", f"{data.customers[-1]:,}")
            self.parts["active"] = ("Active", f"{data.active[-1]:,}")
        elif isinstance(data, IncomeSeries) and data.main_currency:
            value = data.by_currency[data.main_currency][-1]
            self.parts["income"] = ("MRR", f"{data.main_currency} {value:,.0f}")
        elif isinstance(data, RateSeries) and panel == "payment_failures":
            self.parts["failures"] = ("Failed", f"{data.recent_rate:.1f}%")
        elif isinstance(data, RateSeries) and panel == "churn" and data.rates:
            self.parts["churn"] = ("Churn", f"{data.rates[-1]:.1f}%")
        elif isinstance(data, FollowUps):
            self.parts["follow_ups"] = ("Due", f"{data.total:,}")
        elif isinstance(data, EndingContracts):
            self.parts["ending"] = ("Ending", f"{data.total:,}")
        self._paint()

    def _paint(self) -> None:
        text = Text()
        for key in ORDER:
            if key not in self.parts:
                continue
            label, value = self.parts[key]
            if text:
                text.append("  ")
            text.append(f"{label} ")
            text.append(value, style="bold")
        self.update(text)
