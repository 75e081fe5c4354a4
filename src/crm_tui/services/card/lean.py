"""The lean read path of `crm show`: one customer's card without SQLAlchemy or the models.

The same reads as the services behind `cli.show_command.customer_card`
(resolve, figures, addresses, contacts, pinned notes, recent payments and
changes) run as the SQL compiled from the services' own expressions
(`compiled.json`, see `card.compile`) over a DB-API connection opened as the
engine opens one, inside one read transaction (`services.lean_reads`).

Only the plain case: a database at this version's schema with a recorded
reporting currency, and a reference that names a customer. Anything else
(no such customer included) raises `Unusual` before a line is printed, and
the caller runs the full path, which says what is wrong in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from crm_tui.config import Settings
from crm_tui.naming import BUSINESS, parse_number
from crm_tui.services.billing.figure_values import (
    CustomerFigures,
    currency_lines,
    customer_figures,
    fold_figures,
    zero_figures,
)
from crm_tui.services.emails import email_key
from crm_tui.services.errors import ValidationError
from crm_tui.services.lean_reads import LeanReads, lean_reads, load_catalogue
from crm_tui.services.lean_reads import Unusual as Unusual
from crm_tui.services.validation import undecodable

COMPILED = Path(__file__).with_name("compiled.json")


@cache
def catalogue(dialect: str) -> dict[str, Any]:
    return load_catalogue(COMPILED, dialect)


@dataclass(frozen=True)
class CardRows:
    """What a card is made of; rows are named tuples read by attribute like the services'
    frozen reads (`customer` has the customer table's columns)."""

    customer: Any
    tags: tuple[str, ...]
    figures: CustomerFigures
    addresses: list[Any]
    contacts: list[Any]
    pinned: list[Any]
    payments: list[Any]
    changes: list[Any]


class _CardReads(LeanReads):
    """The card's compiled statements on one read transaction, slots filled by name."""

    def __init__(self, connection: Any, sqlite: bool) -> None:
        super().__init__(connection, sqlite, catalogue)

    def slotted(self, name: str, **slots: Any) -> list[Any]:
        """The rows of statement `name`, its slots (card.compile) given by name."""
        entry = self.statements[name]
        params = {}
        for param, slot in entry["slots"].items():
            many = slot.endswith("[]")
            value = slots[slot.removesuffix("[]")]
            params[param] = [value] if many else value
        return self.rows(name, params)

    def resolve(self, reference: str, region: str) -> Any:
        """The customer row `reference` names (as CustomerService.resolve finds it)."""
        ref = reference.strip()
        if not ref or undecodable(ref):
            raise Unusual("not a reference (the full path says why)")
        customer_id = parse_number(ref)
        found: list[Any] = []
        if customer_id is None and "@" in ref:
            found = self.slotted("id_by_email", email_key=email_key(ref))
        elif customer_id is None:
            from crm_tui.services.phones import parse_phone  # phonenumbers: ~20 ms to import

            try:
                e164 = parse_phone(ref, region)
            except ValidationError:
                e164 = None
            if e164:
                found = self.slotted("id_by_phone", phone_digits=e164.lstrip("+"))
        if found:
            customer_id = found[0].id
        customers = self.slotted("customer", customer_id=customer_id) if customer_id else []
        if not customers:
            raise Unusual("no such customer (the full path says so)")
        return customers[0]

    def figures(self, customer_id: int, quote: str) -> CustomerFigures:
        """As FigureService.for_customer: the recount's four queries, then the lines."""
        grouped = [
            [
                row._asdict()
                for row in self.slotted(f"{of}_figures", customer_id=customer_id, quote=quote)
            ]
            for of in ("payment", "invoice", "subscription", "order")
        ]
        values = fold_figures(zero_figures([customer_id], priced=True), *grouped, priced=True)
        lines = currency_lines(
            self.slotted("paid_by_currency", customer_id=customer_id),
            self.slotted("owed_by_currency", customer_id=customer_id, quote=quote),
            quote,
        )
        return customer_figures(values[customer_id], lines, quote)


def card_rows(settings: Settings, reference: str) -> CardRows:
    """The rows of `crm show REFERENCE` (figures in the recorded reporting currency), or
    Unusual."""
    with lean_reads(settings, _CardReads) as card:
        recorded = card.execute("currency")
        if not recorded or not recorded[0][0]:
            raise Unusual("no reporting currency recorded yet")
        quote = str(recorded[0][0])
        customer = card.resolve(reference, settings.default_region)
        cid = customer.id
        rows = CardRows(
            customer=customer,
            tags=tuple(row.name for row in card.slotted("tags", customer_id=cid)),
            figures=card.figures(cid, quote),
            addresses=card.slotted("addresses", customer_id=cid),
            contacts=card.slotted("contacts", customer_id=cid) if customer.kind == BUSINESS else [],
            pinned=card.slotted("pinned_notes", customer_id=cid),
            payments=card.slotted("payments", customer_id=cid),
            changes=card.slotted("changes", customer_id=cid),
        )
        return rows
