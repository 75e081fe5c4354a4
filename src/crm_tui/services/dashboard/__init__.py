"""Dashboard figures, each from one or two aggregate queries."""

from crm_tui.services.dashboard.service import DashboardService

__all__ = ["DashboardService"]
