"""Bulk actions on a set of customers: tag, untag, change status, export."""

from crm_tui.services.bulk.service import BulkService

__all__ = ["BulkService"]
