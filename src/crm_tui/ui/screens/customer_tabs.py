"""The customer detail screen's six tabs, and on which of them each item key applies."""

from __future__ import annotations

from typing import Any

from crm_tui.ui.widgets.detail.base import DetailTab
from crm_tui.ui.widgets.detail.contacts import ContactsTab
from crm_tui.ui.widgets.detail.history import HistoryTab
from crm_tui.ui.widgets.detail.notes import NotesTab
from crm_tui.ui.widgets.detail.overview import OverviewTab
from crm_tui.ui.widgets.detail.payments import PaymentsTab
from crm_tui.ui.widgets.detail.subscriptions import SubscriptionsTab

TABS: dict[str, tuple[str, type[DetailTab[Any]]]] = {
    "overview": ("Overview", OverviewTab),
    "contacts": ("Contacts", ContactsTab),
    "subscriptions": ("Subscriptions", SubscriptionsTab),
    "payments": ("Payments", PaymentsTab),
    "notes": ("Notes", NotesTab),
    "history": ("History", HistoryTab),
}

# verb -> (tabs where the key applies, the tab method it calls, whether it writes)
VERBS: dict[str, tuple[frozenset[str], str, bool]] = {
    "add": (frozenset(TABS) - {"history"}, "add_item", True),
    "edit": (frozenset({"overview", "contacts", "subscriptions", "notes"}), "edit_item", True),
    "pin": (frozenset({"notes"}), "toggle_pin", True),
    "primary": (frozenset({"contacts"}), "make_primary", True),
    "default": (frozenset({"payments"}), "make_default", True),
    "remove": (frozenset({"overview", "contacts", "notes", "payments"}), "remove_item", True),
    "end": (frozenset({"subscriptions"}), "remove_item", True),
    "filter": (frozenset({"payments", "notes"}), "cycle_filter", False),
    "mark_paid": (frozenset({"payments"}), "mark_paid", True),
    "refund": (frozenset({"payments"}), "refund", True),
    "card": (frozenset({"payments"}), "add_card", True),
    "order": (frozenset({"payments"}), "new_order", True),
    "bill": (frozenset({"payments"}), "invoice_order", True),
}
