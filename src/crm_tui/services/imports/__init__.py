"""Importing customers from CSV, XLSX and vCard files."""

from crm_tui.services.imports.service import ImportService

__all__ = ["ImportService"]
