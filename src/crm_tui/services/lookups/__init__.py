"""Choices offered by the list filters and the customer wizard."""

from crm_tui.services.lookups.filters import LookupService
from crm_tui.services.lookups.wizard import WizardLookupService

__all__ = ["LookupService", "WizardLookupService"]
