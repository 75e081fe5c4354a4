"""One import row turned into the values that will be saved, with its problems.

Every value goes through the same rules as the wizard and quick add
(`customers.rules.clean_field`, `check_whole`, `customers.addresses.clean_address`), so an
import can never store what a clerk could not type. All of a row's problems
are collected, not just the first, so the preview can show them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.customers.addresses import clean_address
from crm_tui.services.customers.rules import (
    BUSINESS_ONLY,
    check_whole,
    clean_field,
    derived_columns,
)
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.mapping import ADDRESS_TARGETS
from crm_tui.services.validation import clean_text, parse_channels, text_key

CUSTOMER_TARGETS = (
    "kind", "status", "status_reason", "first_name", "last_name", "company_name", "email",
    "phone", "date_of_birth", "registration_number", "vat_id", "business_type", "industry",
    "website", "payment_terms", "segment", "loyalty_points", "language", "currency",
    "contact_channels", "owner",
)  # fmt: skip
_YES = {"yes", "y", "true", "1", "subscribed", "opted in", "opt-in", "x"}
_SKIP_TAGS = {"mycontacts", "starred", "imported"}
COUNTRIES = {
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united states": "US", "united states of america": "US",
    "usa": "US", "us": "US", "portugal": "PT", "germany": "DE", "deutschland": "DE",
    "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT",
    "netherlands": "NL", "the netherlands": "NL", "holland": "NL", "ireland": "IE",
    "belgium": "BE", "canada": "CA", "australia": "AU", "new zealand": "NZ", "switzerland": "CH",
    "austria": "AT", "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI",
    "poland": "PL", "czech republic": "CZ", "czechia": "CZ", "brazil": "BR", "brasil": "BR",
    "mexico": "MX", "india": "IN", "japan": "JP", "china": "CN", "south africa": "ZA",
    "singapore": "SG", "hong kong": "HK", "greece": "GR", "luxembourg": "LU",
}  # fmt: skip


@dataclass
class PreparedRow:
    """What one file row will save, or why it cannot be saved."""

    number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)  # customer fields, cleaned
    kind_given: bool = False  # the file said individual/business (else inferred)
    address: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    billing_group: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)  # email_key, phone_digits, sort_name

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def email_key(self) -> str | None:
        key: str | None = self.derived.get("email_key")
        return key

    @property
    def phone_digits(self) -> str | None:
        digits: str | None = self.derived.get("phone_digits")
        return digits

    @property
    def sort_name(self) -> str:
        return str(self.derived.get("sort_name") or "")


def country_code(raw: str) -> str:
    """'United Kingdom' / 'uk' / 'GB' -> 'GB'; unknown text is returned upper-cased."""
    text = raw.strip()
    code = COUNTRIES.get(text.casefold())
    if code:
        return code
    return text.upper()


def split_tags(raw: str) -> list[str]:
    """Tags separated by commas, semicolons or Google's ' ::: '; '* ' marks are dropped."""
    out: list[str] = []
    for part in re.split(r":::|[,;]", raw):
        name = part.strip().lstrip("*").strip()
        if name and name.casefold() not in _SKIP_TAGS and name not in out:
            out.append(name)
    return out


def _yes(raw: str) -> bool:
    return raw.strip().casefold() in _YES


def card_number_cells(headers: list[str], cells: list[str]) -> list[str]:
    """Problems for every cell (mapped or not) holding what looks like a card number."""
    problems = []
    for index, cell in enumerate(cells):
        # contains_card_number skips, at C speed, cells without 13 digits close together.
        if cell and contains_card_number(cell):
            name = headers[index] if index < len(headers) else f"column {index + 1}"
            problems.append(
                f"The {name!r} cell contains what looks like a full card number; "
                "card numbers are never stored, so remove it."
            )
    return problems


def prepare(
    number: int, cells: list[str], raw: dict[str, str], headers: list[str], region: str
) -> PreparedRow:
    """Clean one row's picked fields (see import_mapping.pick) by the customer rules."""
    row = PreparedRow(number=number, cells=cells)
    row.problems.extend(card_number_cells(headers, cells))
    if row.problems:
        return row
    raw = dict(raw)
    full = raw.pop("full_name", "")
    if full and not raw.get("first_name") and not raw.get("last_name"):
        parts = full.split(None, 1)
        raw["first_name"] = parts[0]
        if len(parts) > 1:
            raw["last_name"] = parts[1]
    country = country_code(raw["country"]) if raw.get("country") else ""
    phone_region = country if country in phonenumbers.SUPPORTED_REGIONS else region
    channels = set(filter(None, (raw.get("contact_channels") or "").replace(";", ",").split(",")))
    if _yes(raw.pop("email_opt_in", "")):
        channels.add("email")
    if _yes(raw.pop("sms_opt_in", "")):
        channels.add("sms")
    if channels:
        raw["contact_channels"] = ",".join(sorted(channels))
    row.kind_given = bool(raw.get("kind"))
    values: dict[str, Any] = {}
    for target in CUSTOMER_TARGETS:
        if target not in raw:
            continue
        try:
            values[target] = clean_field(target, raw[target], phone_region)
        except ValidationError as exc:
            row.problems.append(exc.message)
    if "status" in values and values["status"] == CustomerStatus.MERGED:
        row.problems.append("A row cannot be imported as merged.")
    if not values.get("kind"):
        business = bool(values.get("company_name"))
        values["kind"] = (CustomerKind.BUSINESS if business else CustomerKind.INDIVIDUAL).value
    if values["kind"] == CustomerKind.INDIVIDUAL:
        for name in BUSINESS_ONLY:
            if values.get(name):
                row.warnings.append(
                    f"The {name.replace('_', ' ')} was left out: it applies to business "
                    "customers only."
                )
                values.pop(name)
    row.values = values
    _prepare_extras(row, raw, country)
    if not row.problems:
        whole = {"status": CustomerStatus.ACTIVE.value, **values}
        try:
            check_whole(whole)
        except ValidationError as exc:
            row.problems.append(exc.message)
    row.derived = derived_columns(values)
    return row


def _prepare_extras(row: PreparedRow, raw: dict[str, str], country: str) -> None:
    """Address, tags, note and billing group."""
    address = {key: raw[key] for key in ADDRESS_TARGETS if raw.get(key)}
    if address:
        data: dict[str, Any] = {
            "kind": "billing",
            "line1": address.get("address_line1"),
            "line2": address.get("address_line2"),
            "city": address.get("city"),
            "region": address.get("region"),
            "postal_code": address.get("postal_code"),
            "is_default_billing": True,
        }
        if country:
            data["country"] = country
        try:
            row.address = clean_address(data)
        except ValidationError as exc:
            if address.get("address_line1") or address.get("address_line2"):
                row.problems.append(f"Address: {exc.message}")
            else:
                # A city or country alone (common in CRM exports) is not an address.
                row.warnings.append(f"The address was left out: {exc.message}")
    if raw.get("tags"):
        for name in split_tags(raw["tags"]):
            try:
                tag = clean_text("tags", name, max_len=64)
            except ValidationError as exc:
                row.problems.append(exc.message)
                continue
            if tag and text_key(tag) not in {text_key(t) for t in row.tags}:
                row.tags.append(tag)
    if raw.get("note"):
        try:
            row.note = clean_text("note", raw["note"])
        except ValidationError as exc:
            row.problems.append(exc.message)
    if raw.get("billing_group"):
        try:
            group = clean_text("billing_group", raw["billing_group"], max_len=200)
        except ValidationError as exc:
            row.problems.append(exc.message)
        else:
            if row.values.get("kind") == CustomerKind.BUSINESS:
                row.billing_group = group
            else:
                row.warnings.append("The billing group was left out: individuals have none.")
    if "contact_channels" in row.values and row.values["contact_channels"] is not None:
        row.values["contact_channels"] = parse_channels(row.values["contact_channels"])
