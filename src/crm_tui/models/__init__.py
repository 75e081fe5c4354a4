"""SQLModel tables. Importing this package registers every table on the metadata."""

from crm_tui.models.access import AccessPolicy
from crm_tui.models.billing import (
    BillingGroup,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Subscription,
)
from crm_tui.models.children import Address, Contact, ContactPoint, CustomField, Note
from crm_tui.models.customer import (
    Customer,
    CustomerSearch,
    CustomerSummary,
    format_number,
    parse_number,
)
from crm_tui.models.grouping import CustomerTag, Segment, SegmentMember, Tag
from crm_tui.models.history import ChangeRecord
from crm_tui.models.imports import ImportRun
from crm_tui.models.invoice import (
    Invoice,
    InvoiceAllocation,
    InvoiceCounter,
    InvoiceLine,
    InvoiceReminder,
)
from crm_tui.models.rates import ExchangeRate, ReportingCurrency

__all__ = [
    "AccessPolicy",
    "Address",
    "BillingGroup",
    "ChangeRecord",
    "Contact",
    "ContactPoint",
    "CustomField",
    "Customer",
    "CustomerSearch",
    "CustomerSummary",
    "CustomerTag",
    "ExchangeRate",
    "ImportRun",
    "Invoice",
    "InvoiceAllocation",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceReminder",
    "Note",
    "Order",
    "OrderItem",
    "Payment",
    "PaymentMethod",
    "ReportingCurrency",
    "Segment",
    "SegmentMember",
    "Subscription",
    "Tag",
    "format_number",
    "parse_number",
]
