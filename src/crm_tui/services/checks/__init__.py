"""`crm db check` and `crm db repair` (see checks.database and checks.repair)."""

from crm_tui.services.checks.database import CheckReport, check_database
from crm_tui.services.checks.repair import RepairReport, repair_database

__all__ = ["CheckReport", "RepairReport", "check_database", "repair_database"]
