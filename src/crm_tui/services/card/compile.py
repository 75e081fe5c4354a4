"""Compile the statements of a customer's card once per dialect into compiled.json.

    python -m crm_tui.services.card.compile

The lean read path of `crm show` (`card.lean`) runs these SQL texts through
the DB-API driver without importing SQLAlchemy. Each is compiled from the
very function the service runs (customers.statements, billing.summary and
figures, payments_of, history.customer_log), called with marker values; a
parameter holding a marker becomes a named slot the lean path fills (the
customer's id, the reporting currency...), every other parameter a constant.
`tests/cli/test_lean_show.py` keeps the file equal to what this compiles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Dialect

from crm_tui.db.schema_head import REVISION_QUERY
from crm_tui.services.billing import summary
from crm_tui.services.billing.figures import owed_by_currency, paid_by_currency
from crm_tui.services.billing.service import payments_of
from crm_tui.services.card import RECENT_CHANGES, RECENT_PAYMENTS
from crm_tui.services.customers import statements
from crm_tui.services.history import customer_log
from crm_tui.services.money.reporting import recorded_statement
from crm_tui.services.search.compile import as_text, compiled_entry, dialects, write

COMPILED = Path(__file__).with_name("compiled.json")

# Marker values: a parameter compiled with one of these is the slot named beside it.
CUSTOMER = -987_654_321
QUOTE = "<quote>"
EMAIL_KEY = "<email_key>"
PHONE_DIGITS = "<phone_digits>"
MARKERS: dict[Any, str] = {
    CUSTOMER: "customer_id",
    QUOTE: "quote",
    EMAIL_KEY: "email_key",
    PHONE_DIGITS: "phone_digits",
}


def statements_to_compile() -> dict[str, Any]:
    """{name: the service's expression, called with markers}."""
    ids = [CUSTOMER]
    return {
        "schema": text(REVISION_QUERY),
        "currency": recorded_statement(),
        "id_by_email": statements.id_by_email(EMAIL_KEY),
        "id_by_phone": statements.id_by_phone(PHONE_DIGITS),
        "customer": statements.by_id(CUSTOMER),
        "tags": statements.tag_names_statement(CUSTOMER),
        "payment_figures": summary.payment_figures(ids),
        "invoice_figures": summary.invoice_figures(QUOTE, ids),
        "subscription_figures": summary.subscription_figures(QUOTE, ids),
        "order_figures": summary.order_figures(QUOTE, ids),
        "paid_by_currency": paid_by_currency(CUSTOMER),
        "owed_by_currency": owed_by_currency(CUSTOMER, QUOTE),
        "addresses": statements.addresses_of(CUSTOMER),
        "contacts": statements.contacts_of(CUSTOMER),
        "pinned_notes": statements.pinned_notes(CUSTOMER),
        "payments": payments_of(CUSTOMER, limit=RECENT_PAYMENTS),
        "changes": customer_log(CUSTOMER, limit=RECENT_CHANGES),
    }


def _slotted(stmt: Any, dialect: Dialect) -> dict[str, Any]:
    """The compiled entry, parameters holding a marker moved from constants to slots."""
    entry = compiled_entry(stmt, dialect)
    slots: dict[str, str] = {}
    for name, value in list(entry["constants"].items()):
        marker = value[0] if isinstance(value, list) and len(value) == 1 else value
        if isinstance(marker, int | str) and marker in MARKERS:
            slots[name] = MARKERS[marker] + ("[]" if isinstance(value, list) else "")
            del entry["constants"][name]
    entry["slots"] = dict(sorted(slots.items()))
    return entry


def catalogue() -> dict[str, dict[str, Any]]:
    """{dialect: {name: {sql, constants, slots, columns}}}."""
    return {
        name: {key: _slotted(stmt, dialect) for key, stmt in statements_to_compile().items()}
        for name, dialect in dialects().items()
    }


def render() -> str:
    return as_text(catalogue())


def main() -> None:
    write(COMPILED, render())


if __name__ == "__main__":
    main()
