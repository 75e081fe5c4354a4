"""Customers and what hangs off them: addresses, contacts, notes."""

from crm_tui.services.customers.addresses import AddressService
from crm_tui.services.customers.contacts import ContactService
from crm_tui.services.customers.notes import NoteService
from crm_tui.services.customers.service import CustomerService

__all__ = ["AddressService", "ContactService", "CustomerService", "NoteService"]
