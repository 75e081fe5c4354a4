"""The add/edit forms of the customer detail tabs, one factory per kind of item.

Each factory returns an `ItemFormModal` wired to the right service call; the
tab pushes it and reloads when it dismisses True.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from crm_tui.models.enums import (
    AddressKind,
    NoteType,
    PaymentStatus,
    SubscriptionStatus,
    Visibility,
)
from crm_tui.services.billing.inputs import (
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from crm_tui.services.billing.reads import OrderRead, PaymentMethodRead, SubscriptionRead
from crm_tui.services.billing.rules import CARD_BRANDS
from crm_tui.services.customers.activities import OUTCOMES
from crm_tui.services.customers.addresses import AddressRead
from crm_tui.services.customers.contacts import ContactRead
from crm_tui.services.customers.inputs import (
    AddressCreate,
    AddressUpdate,
    ContactCreate,
    ContactUpdate,
    NoteCreate,
    NoteUpdate,
)
from crm_tui.services.customers.notes import NoteRead
from crm_tui.services.history_names import card_label
from crm_tui.services.phones import format_phone
from crm_tui.services.registry import Services
from crm_tui.services.validation import CURRENCIES
from crm_tui.ui.modals.item_form import FormField, ItemFormModal, Value, WatchedRow
from crm_tui.ui.widgets.detail.base import money

CURRENCY_CHOICES = [(c, c) for c in sorted(CURRENCIES)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _values(row: object, names: Sequence[str]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name in names:
        value = getattr(row, name)
        out[name] = value if isinstance(value, bool) else _text(value)
    return out


def _choices(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


# --- contacts ---------------------------------------------------------------------

CONTACT_FIELDS = [
    FormField("first_name", "First name"),
    FormField("last_name", "Last name"),
    FormField("title", "Title", placeholder="e.g. Finance director"),
    FormField("department", "Department"),
    FormField("email", "E-mail"),
    FormField("phone", "Phone", placeholder="+44 20 7946 0958"),
]


def contact_form(
    services: Services, customer_id: int, contact: ContactRead | None
) -> ItemFormModal:
    if contact is None:
        return ItemFormModal(
            "New contact",
            CONTACT_FIELDS,
            lambda values, _v: services.contacts.add(customer_id, ContactCreate(**values)),
        )
    contact_id = contact.id
    values = _values(contact, [f.name for f in CONTACT_FIELDS])
    values["phone"] = format_phone(contact.phone)
    return ItemFormModal(
        "Edit contact",
        CONTACT_FIELDS,
        lambda changes, version: services.contacts.update(
            contact_id, ContactUpdate(**changes), expected_version=version
        ),
        values=values,
        version=contact.version,
        watch=WatchedRow(customer_id, "contact", contact.id),
    )


# --- addresses --------------------------------------------------------------------

ADDRESS_FIELDS = [
    FormField("kind", "Kind", "choice", _choices([k.value for k in AddressKind])),
    FormField("line1", "Address line 1"),
    FormField("line2", "Address line 2"),
    FormField("city", "City"),
    FormField("region", "Region"),
    FormField("postal_code", "Postal code"),
    FormField("country", "Country", placeholder="ISO code, e.g. GB"),
    FormField("is_default_billing", "Default billing", "check"),
]


def address_form(
    services: Services, customer_id: int, address: AddressRead | None
) -> ItemFormModal:
    if address is None:
        return ItemFormModal(
            "New address",
            ADDRESS_FIELDS,
            lambda values, _v: services.addresses.add(customer_id, AddressCreate(**values)),
            values={"kind": "billing", "country": services.ctx.default_region},
        )
    address_id = address.id
    return ItemFormModal(
        "Edit address",
        ADDRESS_FIELDS,
        lambda changes, version: services.addresses.update(
            address_id, AddressUpdate(**changes), expected_version=version
        ),
        values=_values(address, [f.name for f in ADDRESS_FIELDS]),
        version=address.version,
        watch=WatchedRow(customer_id, "address", address.id),
    )


# --- subscriptions ----------------------------------------------------------------

SUBSCRIPTION_FIELDS = [
    FormField("product", "Product"),
    FormField("variant", "Variant"),
    FormField("asset_serial", "Asset serial"),
    FormField("monthly_amount", "Monthly amount", placeholder="e.g. 29.99"),
    FormField("currency", "Currency", "choice", CURRENCY_CHOICES),
    FormField("start_date", "Start", placeholder="YYYY-MM-DD"),
    FormField("contract_end", "Contract end", placeholder="YYYY-MM-DD"),
    FormField("next_payment_date", "Next payment", placeholder="YYYY-MM-DD"),
    FormField("status", "Status", "choice", _choices([s.value for s in SubscriptionStatus])),
]


def subscription_form(
    services: Services,
    customer_id: int,
    subscription: SubscriptionRead | None,
    *,
    currency: str = "GBP",
    today: date | None = None,
) -> ItemFormModal:
    if subscription is None:
        return ItemFormModal(
            "New subscription",
            SUBSCRIPTION_FIELDS,
            lambda values, _v: services.billing.add_subscription(
                customer_id, SubscriptionCreate(**values)
            ),
            values={
                "currency": currency,
                "status": "active",
                "start_date": (today or date.today()).isoformat(),
            },
        )
    sub_id = subscription.id
    return ItemFormModal(
        "Edit subscription",
        SUBSCRIPTION_FIELDS,
        lambda changes, version: services.billing.update_subscription(
            sub_id, SubscriptionUpdate(**changes), expected_version=version
        ),
        values=_values(subscription, [f.name for f in SUBSCRIPTION_FIELDS]),
        version=subscription.version,
        watch=WatchedRow(customer_id, "subscription", subscription.id),
    )


# --- payments and payment methods -------------------------------------------------


def payment_form(
    services: Services,
    customer_id: int,
    *,
    subscriptions: Sequence[SubscriptionRead],
    orders: Sequence[OrderRead],
    methods: Sequence[PaymentMethodRead],
    currency: str = "GBP",
    today: date | None = None,
) -> ItemFormModal:
    """Record a payment, optionally linked to a subscription, an order and a card."""
    none = [("", "(none)")]
    fields = [
        FormField("paid_at", "Date", placeholder="YYYY-MM-DD"),
        FormField("amount", "Amount", placeholder="e.g. 29.99"),
        FormField("currency", "Currency", "choice", CURRENCY_CHOICES),
        FormField("status", "Status", "choice", _choices([s.value for s in PaymentStatus])),
        FormField(
            "subscription_id",
            "Subscription",
            "choice",
            none
            + [
                (str(s.id), " ".join(p for p in (s.product, s.variant) if p)) for s in subscriptions
            ],
        ),
        FormField(
            "order_id",
            "Order",
            "choice",
            none
            + [
                (str(o.id), f"#{o.id} {o.ordered_at:%Y-%m-%d} {money(o.total, o.currency)}")
                for o in orders
            ],
        ),
        FormField(
            "payment_method_id",
            "Card",
            "choice",
            none + [(str(m.id), card_label(m.brand, m.last4)) for m in methods],
        ),
        FormField("reference", "Reference"),
    ]
    default_method = next((str(m.id) for m in methods if m.is_default), "")
    return ItemFormModal(
        "Record a payment",
        fields,
        lambda values, _v: services.billing.record_payment(customer_id, PaymentCreate(**values)),
        values={
            "paid_at": (today or date.today()).isoformat(),
            "currency": currency,
            "status": "paid",
            "payment_method_id": default_method,
        },
    )


METHOD_FIELDS = [
    FormField("brand", "Brand", "choice", _choices(CARD_BRANDS)),
    FormField("bin", "BIN (first 6)", placeholder="6 digits"),
    FormField("last4", "Last four", placeholder="4 digits"),
    FormField("exp_month", "Expiry month", placeholder="1-12"),
    FormField("exp_year", "Expiry year", placeholder="e.g. 2028"),
    FormField("holder_name", "Holder name"),
    FormField("is_default", "Default card", "check"),
]


def method_form(services: Services, customer_id: int) -> ItemFormModal:
    """Vault a card by BIN and last four; a full card number anywhere is refused."""
    return ItemFormModal(
        "New card (never the full number)",
        METHOD_FIELDS,
        lambda values, _v: services.billing.add_payment_method(
            customer_id, PaymentMethodCreate(**values)
        ),
    )


# --- notes ------------------------------------------------------------------------

_ACTIVITIES = frozenset(OUTCOMES)
NOTE_FIELDS = [
    FormField("type", "Type", "choice", _choices([t.value for t in NoteType])),
    FormField("title", "Title"),
    FormField(
        "duration_minutes",
        "Length",
        placeholder="minutes: 25, 1h30 or 1:30",
        depends_on="type",
        shown_for=_ACTIVITIES,
    ),
    FormField(
        "outcome",
        "Outcome",
        "choice",
        depends_on="type",
        shown_for=_ACTIVITIES,
        choices_for={kind: _choices(list(outcomes)) for kind, outcomes in OUTCOMES.items()},
    ),  # fmt: skip
    FormField("body", "Text", "long"),
    FormField("follow_up_on", "Follow up on", placeholder="YYYY-MM-DD"),
    FormField("done", "Done", "check"),
    FormField("pinned", "Pinned", "check"),
    FormField(
        "visibility",
        "Visible to",
        "choice",
        [(Visibility.INTERNAL.value, "internal only"), (Visibility.CUSTOMER.value, "customer")],
    ),
]


def note_form(services: Services, customer_id: int, note: NoteRead | None) -> ItemFormModal:
    if note is None:

        def add(values: dict[str, Any], _version: int | None) -> object:
            return services.notes.add(customer_id, NoteCreate(**values))

        return ItemFormModal(
            "New note", NOTE_FIELDS, add, values={"type": "note", "visibility": "internal"}
        )
    note_id = note.id
    return ItemFormModal(
        "Edit note",
        NOTE_FIELDS,
        lambda changes, version: services.notes.update(
            note_id, NoteUpdate(**changes), expected_version=version
        ),
        values=_values(note, [f.name for f in NOTE_FIELDS]),
        version=note.version,
        watch=WatchedRow(customer_id, "note", note.id),
    )
