"""Closed vocabularies of the domain, stored as plain strings."""

from __future__ import annotations

from enum import StrEnum


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    PROSPECT = "prospect"
    CHURNED = "churned"
    BLOCKED = "blocked"
    MERGED = "merged"


class PaymentTerms(StrEnum):
    NET_7 = "Net 7"
    NET_14 = "Net 14"
    NET_30 = "Net 30"
    NET_60 = "Net 60"


class AddressKind(StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentStatus(StrEnum):
    PAID = "paid"
    PENDING = "pending"
    FAILED = "failed"
    REFUNDED = "refunded"


class NoteType(StrEnum):
    NOTE = "note"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no answer"
    VOICEMAIL = "left voicemail"
    BUSY = "busy"
    WRONG_NUMBER = "wrong number"


class MeetingOutcome(StrEnum):
    HELD = "held"
    NO_SHOW = "no-show"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    INTERNAL = "internal"
    CUSTOMER = "customer"


class SegmentKind(StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    VOID = "void"


# Issued invoices that still owe something.
OPEN_INVOICE_STATUSES = (InvoiceStatus.ISSUED.value, InvoiceStatus.PARTLY_PAID.value)
