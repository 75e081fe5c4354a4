"""Invoices and credit notes: drafts, gap-free numbers, issuing, voiding, crediting."""

from crm_tui.services.invoices.lines import LineInput
from crm_tui.services.invoices.reads import InvoiceDetail, InvoiceLineRead, InvoiceRead
from crm_tui.services.invoices.service import InvoiceService

__all__ = ["InvoiceDetail", "InvoiceLineRead", "InvoiceRead", "InvoiceService", "LineInput"]
