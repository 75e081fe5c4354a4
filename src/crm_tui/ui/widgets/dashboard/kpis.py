"""The dashboard's headline strip: one line of key numbers, filled in as panels load."""

from __future__ import annotations

from typing import Any, cast

from rich.text import Text
from textual.widgets import Static

from crm_tui.services.dashboard import (
    CustomerTrend,
    EndingContracts,
    FollowUps,
    IncomeSeries,
    RateSeries,
)
from crm_tui.services.money.rates import Unpriced
from crm_tui.services.money.shown import in_currency

UNPRICED = "unpriced"  # not a panel: paid payments with no rate, flagged in this strip
ORDER = ("customers", "active", "income", "failures", "churn", "follow_ups", "ending", "unpriced")


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
        elif isinstance(data, IncomeSeries) and data.reporting:
            # Every currency converted into the reporting one: the panel's own total.
            self.parts["income"] = ("MRR", in_currency(data.reporting[-1], data.currency))
        elif panel == UNPRICED and isinstance(data, list) and data:
            gaps = cast("list[Unpriced]", data)
            counted = ", ".join(f"{g.payments:,} in {g.currency}" for g in gaps)
            self.parts["unpriced"] = ("No rate:", f"{counted} (left out; crm rates set)")
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
            flagged = key == "unpriced"
            text.append(f"{label} ", style="yellow" if flagged else "")
            text.append(value, style="bold yellow" if flagged else "bold")
        self.update(text)
