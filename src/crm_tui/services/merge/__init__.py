"""Finding likely duplicate customers and merging them."""

from crm_tui.services.merge.duplicates import DuplicateFinder
from crm_tui.services.merge.service import MergeService

__all__ = ["DuplicateFinder", "MergeService"]
