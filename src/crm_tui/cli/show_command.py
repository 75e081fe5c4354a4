"""`crm show ID|EMAIL|PHONE`: one customer's card, for people or (--json) scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from crm_tui.cli.common import services_from, settings_from
from crm_tui.cli.errors import guarded
from crm_tui.naming import BUSINESS, display_name, format_number, who
from crm_tui.services.card import RECENT_CHANGES, RECENT_PAYMENTS
from crm_tui.services.money.shown import breakdown_line, in_currency
from crm_tui.text import literal

if TYPE_CHECKING:
    from rich.console import Console

    from crm_tui.config import Settings
    from crm_tui.services.billing.figure_values import CustomerFigures
    from crm_tui.services.registry import Services

SHOW_SCHEMA_VERSION = 1


def customer_card(services: Services, reference: str) -> dict[str, Any]:
    """Everything `crm show` prints, as one JSON-ready object (schema version 1).

    Keys: schema_version, id, number, kind, status, status_reason, name,
    first_name, last_name, company_name, email, phone, date_of_birth, segment,
    tags, owner, customer_since, payment_terms, billing_group_id, loyalty_points,
    figures {currency (the reporting currency of every figure), lifetime_value,
    outstanding_balance, active_monthly, active_subscriptions,
    ended_subscriptions, orders, average_order_value, last_purchase_at,
    by_currency [{currency, paid, paid_in_reporting, unpriced_payments, owed,
    owed_in_reporting}]}, default_billing_address, primary_contact, pinned_notes
    [{title, body, created_at}], recent_payments [{paid_at, amount, currency,
    status}], recent_changes [{changed_at, login, clerk, what, field}] (login:
    who the database says made the change; clerk: the name their app was
    configured with). Money is a decimal string; times are ISO 8601 UTC.
    """
    customer = services.customers.resolve(reference)
    contacts = services.contacts.list(customer.id) if customer.kind == BUSINESS else []
    return card_of(
        customer,
        customer.tags,
        services.figures.for_customer(customer.id),
        addresses=services.addresses.list(customer.id),
        contacts=contacts,
        pinned=services.notes.pinned(customer.id),
        payments=services.billing.payments(customer.id, limit=RECENT_PAYMENTS),
        changes=services.history.for_customer(customer.id, limit=RECENT_CHANGES),
    )


def card_of(
    customer: Any,
    tags: Sequence[str],
    figures: CustomerFigures,
    *,
    addresses: Sequence[Any],
    contacts: Sequence[Any],
    pinned: Sequence[Any],
    payments: Sequence[Any],
    changes: Sequence[Any],
) -> dict[str, Any]:
    """The card from the reads, whichever path made them: the services' frozen reads or
    the lean path's named tuples (same attribute names; `customer` has the columns of
    the customer table, display name and number are derived here)."""
    billing = next((a for a in addresses if a.is_default_billing), None)
    primary = next((c for c in contacts if c.is_primary), None)
    return {
        "schema_version": SHOW_SCHEMA_VERSION,
        "id": customer.id,
        "number": format_number(customer.id),
        "kind": customer.kind,
        "status": customer.status,
        "status_reason": customer.status_reason,
        "name": display_name(
            customer.kind, customer.first_name, customer.last_name, customer.company_name
        ),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company_name": customer.company_name,
        "email": customer.email,
        "phone": customer.phone,
        "date_of_birth": _when(customer.date_of_birth),
        "segment": customer.segment,
        "tags": list(tags),
        "owner": customer.owner,
        "customer_since": _when(customer.created_at),
        "payment_terms": customer.payment_terms,
        "billing_group_id": customer.billing_group_id,
        "loyalty_points": customer.loyalty_points,
        "figures": _figures(figures),
        "default_billing_address": None if billing is None else _address(billing),
        "primary_contact": None if primary is None else _contact(primary),
        "pinned_notes": [
            {"title": n.title, "body": n.body, "created_at": _when(n.created_at)} for n in pinned
        ],
        "recent_payments": [
            {
                "paid_at": _when(p.paid_at),
                "amount": str(p.amount),
                "currency": p.currency,
                "status": p.status,
            }
            for p in payments
        ],
        "recent_changes": [
            {
                "changed_at": _when(c.changed_at),
                "login": c.login,
                "clerk": c.actor,
                "what": f"{c.entity.replace('_', ' ')} {c.action}",
                "field": c.field,
            }
            for c in changes
        ],
    }


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _figures(figures: CustomerFigures) -> dict[str, Any]:
    return {
        "currency": figures.currency,
        "lifetime_value": str(figures.lifetime_value),
        "outstanding_balance": str(figures.outstanding_balance),
        "active_monthly": str(figures.active_monthly),
        "active_subscriptions": figures.active_subscriptions,
        "ended_subscriptions": figures.ended_subscriptions,
        "orders": figures.orders,
        "average_order_value": str(figures.average_order_value),
        "last_purchase_at": _when(figures.last_purchase_at),
        "by_currency": [
            {
                "currency": line.currency,
                "paid": str(line.paid),
                "paid_in_reporting": str(line.paid_in_reporting),
                "unpriced_payments": line.unpriced_payments,
                "owed": str(line.owed),
                "owed_in_reporting": (
                    None if line.owed_in_reporting is None else str(line.owed_in_reporting)
                ),
            }
            for line in figures.by_currency
        ],
    }


def _address(billing: Any) -> dict[str, Any]:
    fields = ("line1", "line2", "city", "region", "postal_code", "country")
    return {name: getattr(billing, name) for name in fields}


def _contact(primary: Any) -> dict[str, Any]:
    return {
        "name": " ".join(p for p in (primary.first_name, primary.last_name) if p),
        "title": primary.title,
        "email": primary.email,
        "phone": primary.phone,
    }


def render_card(card: dict[str, Any]) -> None:
    """Print the card for people: rich layout, stored text as literal Text."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    title = Text(literal(card["name"]), style="bold")
    title.append(f"  {card['number']}  ", style="dim")
    status = card["status"] + (
        f": {literal(card['status_reason'])}" if card["status_reason"] else ""
    )
    title.append(status, style="bold red" if card["status"] == "blocked" else "green")
    console.print(title)
    info = Table.grid(padding=(0, 2))
    info.add_column(style="dim", no_wrap=True)
    info.add_column()
    for label, value in _info_rows(card):
        if value:
            info.add_row(label, Text(value))
    console.print(info)
    _render_notes_and_payments(console, card)
    _render_changes(console, card)


def _info_rows(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, plain text) for the card's grid; empty values are left out by the caller."""
    from crm_tui.services.phones import format_phone

    figures = card["figures"]
    rows: list[tuple[str, str]] = [
        ("Kind", card["kind"]),
        ("Company", literal(card["company_name"])),
        ("E-mail", literal(card["email"])),
        ("Phone", format_phone(card["phone"])),
        ("Segment", literal(card["segment"])),
        ("Tags", literal(", ".join(card["tags"]))),
        ("Owner", literal(card["owner"])),
        ("Customer since", (card["customer_since"] or "")[:10]),
        ("Lifetime value", _amount(figures, "lifetime_value")),
        *_breakdown(figures),
        ("Outstanding", _amount(figures, "outstanding_balance")),
        (
            "Active subs",
            f"{figures['active_subscriptions']} ({_amount(figures, 'active_monthly')}/month)",
        ),
        ("Last purchase", (figures["last_purchase_at"] or "-")[:10]),
    ]
    address = card["default_billing_address"]
    if address:
        parts = [
            address[k] for k in ("line1", "line2", "city", "postal_code", "country") if address[k]
        ]
        rows.append(("Billing address", literal(", ".join(parts))))
    contact = card["primary_contact"]
    if contact:
        rows.append(
            (
                "Primary contact",
                literal(f"{contact['name']} ({contact['title'] or '-'}) {contact['email'] or ''}"),
            )
        )
    return rows


def _amount(figures: dict[str, Any], key: str) -> str:
    return in_currency(Decimal(figures[key]), figures["currency"])


def _breakdown(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """'  paid in EUR: EUR 83.33 = GBP 70.27' under the lifetime value, per currency."""
    quote = figures["currency"]
    lines = figures["by_currency"]
    if all(line["currency"] == quote for line in lines):
        return []
    return [
        (
            f"  paid in {line['currency']}",
            breakdown_line(
                line["currency"],
                Decimal(line["paid"]),
                Decimal(line["paid_in_reporting"]),
                quote,
                line["unpriced_payments"],
            ),
        )  # fmt: skip
        for line in lines
        if Decimal(line["paid"])
    ]


def _render_notes_and_payments(console: Console, card: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    for note in card["pinned_notes"]:
        console.print(
            Text("📌 " + literal(note["title"]), style="yellow"), Text(literal(note["body"]))
        )
    if card["recent_payments"]:
        table = Table("Date", "Amount", "Status", title="Recent payments", title_justify="left")
        for payment in card["recent_payments"]:
            table.add_row(
                (payment["paid_at"] or "")[:10],
                Text(in_currency(Decimal(payment["amount"]), payment["currency"])),
                payment["status"],
            )
        console.print(table)


def _render_changes(console: Console, card: dict[str, Any]) -> None:
    """Who changed what lately: the login, with the clerk name it was configured with."""
    from rich.table import Table
    from rich.text import Text

    if card["recent_changes"]:
        table = Table("When", "Who", "What", title="Recent changes", title_justify="left")
        for change in card["recent_changes"]:
            what = change["what"] + (f": {change['field']}" if change["field"] else "")
            table.add_row(
                (change["changed_at"] or "")[:16].replace("T", " "),
                Text(literal(who(change["login"], change["clerk"]))),
                Text(literal(what.replace("_", " "))),
            )
        console.print(table)


@click.command("show")
@click.argument("reference", metavar="ID|EMAIL|PHONE")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (schema_version 1).")
@click.pass_context
@guarded
def show(ctx: click.Context, reference: str, as_json: bool) -> None:
    """Show one customer: contact details, status, figures, addresses, notes, payments.

    \b
    Examples:
      crm show C-000042
      crm show ana@example.pt
      crm show "+351 912 345 678" --json | jq .figures
    """
    card = _lean(ctx, reference) or _full(ctx, reference)
    if as_json:
        click.echo(json.dumps(card, ensure_ascii=True, indent=2))
    else:
        render_card(card)


def _lean(ctx: click.Context, reference: str) -> dict[str, Any] | None:
    """The card by the lean read path (no SQLAlchemy); None when it hands over."""
    try:
        return lean_card(settings_from(ctx, check_url=False), reference)
    except Exception:  # Unusual, or any failure: the full path does it again and says why
        return None


def lean_card(settings: Settings, reference: str) -> dict[str, Any]:
    """customer_card's card by the lean read path (services.card.lean), or Unusual."""
    from crm_tui.services.card import lean

    rows = lean.card_rows(settings, reference)
    return card_of(
        rows.customer,
        rows.tags,
        rows.figures,
        addresses=rows.addresses,
        contacts=rows.contacts,
        pinned=rows.pinned,
        payments=rows.payments,
        changes=rows.changes,
    )


def _full(ctx: click.Context, reference: str) -> dict[str, Any]:
    services = services_from(ctx, "read")
    try:
        return customer_card(services, reference)
    finally:
        services.close()
