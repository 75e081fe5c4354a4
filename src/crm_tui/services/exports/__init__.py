"""Exporting customers (CSV, XLSX, vCard, JSON) and one person's data."""

from crm_tui.services.exports.service import ExportService

__all__ = ["ExportService"]
