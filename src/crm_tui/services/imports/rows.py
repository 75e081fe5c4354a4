"""One import row turned into the values that will be saved, and what was not kept.

Every value goes through the same rules as the wizard and quick add
(`customers.rules.clean_field`, `check_whole`, `clean_address`), so an import
never stores what a clerk could not type. A row is refused only when it
cannot make a customer: no name, company or e-mail, or a full card number
in any cell. Any other value that does not pass its rule is left out of
its field and listed in `dropped` with its column and reason; the
customer is still imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

import phonenumbers

from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.services.card_numbers import any_may_hold_card_number, contains_card_number
from crm_tui.services.countries import country_code
from crm_tui.services.customers.addresses import clean_address
from crm_tui.services.customers.contact_points import PointValue, clean_point
from crm_tui.services.customers.custom_fields import clean_custom
from crm_tui.services.customers.rules import (
    BUSINESS_ONLY,
    check_whole,
    clean_field,
    derived_columns,
)
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.mapping import GROUPED, Picked
from crm_tui.services.imports.row_dates import birthday
from crm_tui.services.imports.row_notes import read_notes
from crm_tui.services.imports.vcard_card import BINARY
from crm_tui.services.phones import phone_search_forms
from crm_tui.services.validation import clean_text, parse_channels, text_key

CUSTOMER_TARGETS = (
    "kind", "status", "status_reason", "first_name", "last_name", "company_name",
    "registration_number", "vat_id", "business_type", "industry", "payment_terms",
    "segment", "loyalty_points", "language", "currency", "contact_channels", "owner",
)  # fmt: skip
_YES = {"yes", "y", "true", "1", "subscribed", "opted in", "opt-in", "x"}
_SKIP_TAGS = {"mycontacts", "starred", "imported"}
NO_FIELD = "The column is not imported."
BINARY_REASON = "Photos, logos, sounds and keys are not imported."


@dataclass(frozen=True)
class Dropped:
    """A value of the file that was not imported: where it was and why."""

    column: str
    value: str
    reason: str
    values: int = 1  # how many of the file's values this stands for (an address's parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Dropped, (self.column, self.value, self.reason, self.values))


@dataclass
class PreparedRow:
    """What one file row will save, or why it cannot be saved."""

    number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)  # customer fields, cleaned
    kind_given: bool = False  # the file said individual/business (else inferred)
    addresses: list[dict[str, Any]] = field(default_factory=list)  # the first is the default
    tags: list[str] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # see row_notes
    billing_group: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)  # custom field name -> value
    points: list[PointValue] = field(default_factory=list)  # e-mails, phones, web; first primary
    value_count: int = 0  # the row's non-empty values (cells and card properties)
    derived: dict[str, Any] = field(default_factory=dict)  # email_key, phone_digits, sort_name
    phone_forms: dict[str, list[str]] = field(default_factory=dict)  # phone -> search forms
    # The search document either side of the customer number (row_search.search_text), for a new one;
    # made by the reading process when it is ahead of the writer (pipeline), else None.
    doc: tuple[str, str] | None = None

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

    def drop(self, column: str, value: str, reason: str, values: int = 1) -> None:
        self.dropped.append(Dropped(column, value, reason, values))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rows travel pickled from the import's reading process (pipeline): rebuilt from
        # their fields in order, they load about a third faster than by pickle's default.
        return (PreparedRow, tuple(getattr(self, name) for name in _ROW_FIELDS))


_ROW_FIELDS = tuple(f.name for f in fields(PreparedRow))


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
    problems: list[str] = []
    if not any_may_hold_card_number(cells):  # most rows: one search at C speed
        return problems
    for index, cell in enumerate(cells):
        if cell and contains_card_number(cell):
            name = headers[index] if index < len(headers) else f"column {index + 1}"
            problems.append(
                f"The {name!r} cell contains what looks like a full card number; "
                "card numbers are never stored, so remove it."
            )
    return problems


@dataclass(frozen=True)
class RowContext:
    """What every row of one import shares: headers, default region, the date order."""

    headers: list[str]
    region: str
    date_order: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field -> header it came from


def prepare(number: int, cells: list[str], picked: Picked, ctx: RowContext) -> PreparedRow:
    """Clean one row's picked values by the customer rules (see the module docstring)."""
    row = PreparedRow(number=number, cells=cells)
    row.problems.extend(card_number_cells(ctx.headers, cells))
    if row.problems:
        return row
    raw = dict(picked.values)
    where = ctx.columns
    for column, value in picked.leftovers:
        row.drop(column, value, BINARY_REASON if value == BINARY else NO_FIELD)
    for column, value, kept in picked.repeated:
        if not _same_country(value, kept):
            row.drop(column, value, f"Another column gives this address's part already ({kept}).")
    _custom(row, picked.custom)
    full = raw.pop("full_name", "")
    # A vCard's FN is the company's name on a company's card: nobody's name to split.
    named = raw.get("first_name") or raw.get("last_name") or full == raw.get("company_name")
    if full and not named and _company_by_its_ids(raw):
        raw["company_name"] = full  # Stripe's "Name" of a customer with a VAT id
    elif full and not named:
        parts = full.split(None, 1)
        raw["first_name"] = parts[0]
        if len(parts) > 1:
            raw["last_name"] = parts[1]
    country = _row_country(row, picked)
    phone_region = country if country in phonenumbers.SUPPORTED_REGIONS else ctx.region
    _channels(raw)
    row.kind_given = bool(raw.get("kind"))
    values: dict[str, Any] = {}
    for target in CUSTOMER_TARGETS:
        if target in raw:
            try:
                values[target] = clean_field(target, raw[target], phone_region)
            except ValidationError as exc:
                row.drop(where.get(target, target), raw[target], exc.message)
    if values.get("status") == CustomerStatus.MERGED:
        row.drop(
            where.get("status", "status"), raw["status"], "A row cannot be imported as merged."
        )
        values.pop("status")
    _contact(row, values, picked, phone_region)
    born = birthday(raw, ctx.date_order)
    if born is not None:
        column = where.get("date_of_birth", "Birthday")
        if born.error:
            row.drop(column, born.text, born.error)
        elif born.value is not None:
            values["date_of_birth"] = born.value
        else:  # kept as month and day, in ISO 8601's year-less form
            month, day = born.month_day or (0, 0)
            row.custom["Birthday"] = f"--{month:02d}-{day:02d}"
    _kind(row, values, where)
    row.values = values
    _extras(row, raw, picked, country, ctx)
    _whole(row)
    return row


def _company_by_its_ids(raw: dict[str, str]) -> bool:
    """A row with a VAT or registration number and no kind or company of its own is a
    business; its one name is the company's."""
    ids = raw.get("vat_id") or raw.get("registration_number")
    return bool(ids) and not raw.get("kind") and not raw.get("company_name")


def _same_country(one: str, other: str) -> bool:
    """'United States' and 'US' are one country (two columns saying it twice)."""
    code = country_code(one)
    return code is not None and code == country_code(other)


def _row_country(row: PreparedRow, picked: Picked) -> str:
    """The row's own country (of its first address that names one), as an ISO code."""
    for group in picked.addresses:
        if group.get("country"):
            return country_code(group["country"]) or ""
    return ""


def _channels(raw: dict[str, str]) -> None:
    channels = set(filter(None, (raw.get("contact_channels") or "").replace(";", ",").split(",")))
    if _yes(raw.pop("email_opt_in", "")):
        channels.add("email")
    if _yes(raw.pop("sms_opt_in", "")):
        channels.add("sms")
    if channels:
        raw["contact_channels"] = ",".join(sorted(channels))


def _contact(row: PreparedRow, values: dict[str, Any], picked: Picked, region: str) -> None:
    """Every valid e-mail, phone and web address with its label; the first of each is primary."""
    for target, kind in (("email", "email"), ("phone", "phone"), ("website", "web")):
        for value, label, column in picked.points.get(target, []):
            try:
                point = clean_point(kind, value, label or "other", region)
            except ValidationError as exc:
                row.drop(column, value, exc.message)
                continue
            if any(p.kind == kind and p.value_key == point.value_key for p in row.points):
                continue  # the same address written twice (home and work) is one point
            row.points.append(point)
            if kind == "phone":  # for the search document, worked out while reading
                row.phone_forms[point.value] = phone_search_forms(point.value)
            values.setdefault(target, point.value)
            if not point.verified:
                row.warnings.append(
                    f"The phone number {value!r} is possible but not a number in use; kept unverified."
                )


def _kind(row: PreparedRow, values: dict[str, Any], where: dict[str, str]) -> None:
    if not values.get("kind"):
        business = bool(values.get("company_name"))
        values["kind"] = (CustomerKind.BUSINESS if business else CustomerKind.INDIVIDUAL).value
    if values["kind"] == CustomerKind.INDIVIDUAL:
        for name in BUSINESS_ONLY:
            if name == "website":
                values.pop(name, None)  # kept as the individual's web address (a contact point)
            elif values.get(name):
                value = values.pop(name)
                row.drop(where.get(name, name.replace("_", " ")), str(value),
                         f"The {name.replace('_', ' ')} applies to business customers only.")  # fmt: skip
    named = values.get("first_name") or values.get("last_name") or values.get("company_name")
    if not named and values.get("email"):
        values["last_name"] = values["email"]
        row.warnings.append("The row has no name; the customer is named after its e-mail.")


def _whole(row: PreparedRow) -> None:
    values = row.values
    if not (values.get("first_name") or values.get("last_name") or values.get("company_name")):
        row.problems.append("The row has no name, company or e-mail, so it cannot make a customer.")
        row.problems.extend(
            d.reason for d in row.dropped if d.reason not in (NO_FIELD, BINARY_REASON)
        )
    else:
        whole = {"status": CustomerStatus.ACTIVE.value, **values}
        try:
            check_whole(whole)
        except ValidationError as exc:
            row.problems.append(exc.message)
    row.derived = derived_columns(values)


def _extras(
    row: PreparedRow, raw: dict[str, str], picked: Picked, country: str, ctx: RowContext
) -> None:
    """Addresses, tags, note and billing group."""
    for group in picked.addresses:
        address = _address(row, group, ctx.region)
        if address is not None:
            first_billing = address["kind"] == "billing" and not any(
                a["is_default_billing"] for a in row.addresses
            )
            row.addresses.append({**address, "is_default_billing": first_billing})
    if raw.get("tags"):
        for name in split_tags(raw["tags"]):
            try:
                tag = clean_text("tags", name, max_len=64)
            except ValidationError as exc:
                row.drop(ctx.columns.get("tags", "Tags"), name, exc.message)
                continue
            if tag and text_key(tag) not in {text_key(t) for t in row.tags}:
                row.tags.append(tag)
    row.notes = read_notes(picked.notes, row.drop)
    if raw.get("billing_group"):
        column = ctx.columns.get("billing_group", "Billing group")
        try:
            group_name = clean_text("billing_group", raw["billing_group"], max_len=200)
        except ValidationError as exc:
            row.drop(column, raw["billing_group"], exc.message)
        else:
            if row.values.get("kind") == CustomerKind.BUSINESS:
                row.billing_group = group_name
            else:
                row.drop(column, raw["billing_group"], "Individuals have no billing group.")
    if "contact_channels" in row.values and row.values["contact_channels"] is not None:
        row.values["contact_channels"] = parse_channels(row.values["contact_channels"])


def _address(row: PreparedRow, group: dict[str, str], region: str) -> dict[str, Any] | None:
    """One address group cleaned; a country we cannot read leaves the default in its place."""
    line1 = _one_line(group.get("address_line1"))
    if not line1 or not group.get("city"):
        column, keys = _address_parts(group)
        why = ("The address is written as one text, with no street and city of its own"
               if keys == ["address_formatted"] else
               f"The address has no {'street' if not line1 else 'city'}")  # fmt: skip
        row.drop(column, ", ".join(group[k] for k in keys),
                 f"{why}; an address needs both, so it was not kept.", len(keys))  # fmt: skip
        return None
    country = region
    if group.get("country"):
        code = country_code(group["country"])
        if code is None or code not in phonenumbers.SUPPORTED_REGIONS:
            row.drop(group.get("country.header", "Country"), group["country"],
                     f"Not a country we know; the address was kept with the country {region}.")  # fmt: skip
        else:
            country = code
    data = {"kind": group.get("kind", "billing"), "line1": line1,
            "line2": _one_line(group.get("address_line2")) or None,
            "city": group.get("city"), "region": group.get("region"),
            "postal_code": group.get("postal_code"), "country": country}  # fmt: skip
    try:
        return clean_address(data)
    except ValidationError as exc:
        column, keys = _address_parts(group)
        parts = ", ".join(group[k] for k in keys)
        row.drop(column, parts, f"The address was not kept: {exc.message}", len(keys))
        return None


def _address_parts(group: dict[str, str]) -> tuple[str, list[str]]:
    """For an address not kept: the header its problem is reported under (its first
    part's column) and the parts it gave, in order."""
    first = next((k for k in GROUPED if k in group), "")
    return group.get(f"{first}.header", "Address"), [k for k in GROUPED if group.get(k)]


def _one_line(text: str | None) -> str:
    """A street written on several lines (Outlook, Apple) as one: 'Flat 2, 5 High St'."""
    if text is None or text.isprintable():  # most: no line break (none is printable)
        return (text or "").strip()
    return ", ".join(p.strip() for p in text.splitlines() if p.strip())


def _custom(row: PreparedRow, found: list[tuple[str, str]]) -> None:
    """Values no field holds, kept under their column's name (repeats one per line)."""
    keys: dict[str, str] = {}
    for name, value in found:
        try:
            clean_name, clean_value = clean_custom(name, value)
        except ValidationError as exc:
            row.drop(name, value, exc.message)
            continue
        key = keys.setdefault(text_key(clean_name), clean_name)
        if key in row.custom:
            row.custom[key] = f"{row.custom[key]}\n{clean_value}"
        else:
            row.custom[key] = clean_value
