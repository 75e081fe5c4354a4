"""Dashboard figures, each from one or two aggregate queries."""

from crm_tui.services.dashboard.figures import (
    Bucket,
    CustomerTrend,
    EndingContract,
    EndingContracts,
    FollowUp,
    FollowUps,
    IncomeSeries,
    MonthlyCounts,
    RateSeries,
    SegmentSize,
)
from crm_tui.services.dashboard.service import PANELS, DashboardService, load_panel

__all__ = [
    "PANELS",
    "Bucket",
    "CustomerTrend",
    "DashboardService",
    "EndingContract",
    "EndingContracts",
    "FollowUp",
    "FollowUps",
    "IncomeSeries",
    "MonthlyCounts",
    "RateSeries",
    "SegmentSize",
    "load_panel",
]
