"""Which column of an import file goes to which field.

Headers are compared with case, spacing and punctuation ignored ("E-mail
Address", "email_address" and "EMAIL ADDRESS" are one header). The tables
below know the exports of Google Contacts (old and new layout), Outlook,
Shopify (customers), HubSpot (contacts) and crm-tui's own export, so those
files import with no mapping work; the user can change any column.

Several columns may feed one field (Outlook's mobile, home and business
phones): the first non-empty one in `rank` order wins. Address columns come
in groups (Outlook's business, home and other address): the first group
with a street or city is taken whole, so a street never pairs with another
address's city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from crm_tui.services.exports.cells import unneutralise

IGNORE = ""

# Field key -> label shown in the mapping editor and the CLI.
TARGETS: dict[str, str] = {
    IGNORE: "(ignore)",
    "full_name": "Full name (split)",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company",
    "email": "E-mail",
    "phone": "Phone",
    "kind": "Kind",
    "status": "Status",
    "status_reason": "Status reason",
    "date_of_birth": "Date of birth",
    "registration_number": "Registration number",
    "vat_id": "VAT id",
    "business_type": "Business type",
    "industry": "Industry",
    "website": "Website",
    "payment_terms": "Payment terms",
    "billing_group": "Billing group",
    "segment": "Segment",
    "loyalty_points": "Loyalty points",
    "language": "Language",
    "currency": "Currency",
    "contact_channels": "Contact channels",
    "email_opt_in": "Accepts e-mail (yes/no)",
    "sms_opt_in": "Accepts SMS (yes/no)",
    "owner": "Account owner",
    "tags": "Tags",
    "note": "Note",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country",
}
ADDRESS_TARGETS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")


def header_key(header: str) -> str:
    """'E-mail Address' -> 'emailaddress': case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def _keys(target: str, *headers: str, rank: int = 1) -> dict[str, tuple[str, int]]:
    return {header_key(h): (target, rank) for h in headers}


# header key -> (target, rank)
KNOWN: dict[str, tuple[str, int]] = {
    **_keys("first_name", "First Name", "Given Name", "First", "Forename", "Firstname"),
    **_keys("last_name", "Last Name", "Family Name", "Surname", "Last", "Lastname"),
    **_keys("full_name", "Name", "Full Name", "Display Name", "Contact Name", "Customer Name"),
    **_keys("company_name", "Company", "Company Name", "Organization", "Organisation",
            "Organization Name", "Organization 1 - Name", "Business Name"),
    **_keys("company_name", "Default Address Company", "Associated Company", rank=2),
    **_keys("email", "Email", "E-mail", "Email Address", "E-mail Address", "Primary Email",
            "E-mail 1 - Value", "Work Email"),
    **_keys("email", "E-mail 2 Address", "E-mail 2 - Value", "Email 2", "E-mail 2", rank=2),
    **_keys("email", "E-mail 3 Address", "E-mail 3 - Value", rank=3),
    **_keys("phone", "Phone", "Phone Number", "Telephone", "Tel", "Mobile", "Mobile Phone",
            "Mobile Phone Number", "Cell", "Cell Phone", "Primary Phone", "Phone 1 - Value"),
    **_keys("phone", "Phone 2", "Home Phone", "Business Phone", "Phone 2 - Value",
            "Default Address Phone", rank=2),
    **_keys("phone", "Home Phone 2", "Business Phone 2", "Other Phone", "Company Main Phone",
            "Phone 3 - Value", rank=3),
    **_keys("kind", "Kind", "Customer Type", "Type"),
    **_keys("status", "Status", "Customer Status"),
    **_keys("status_reason", "Status Reason", "Blocked Reason"),
    **_keys("date_of_birth", "Birthday", "Date of Birth", "DOB", "Birth Date", "Birthdate"),
    **_keys("registration_number", "Registration Number", "Company Number", "Reg No"),
    **_keys("vat_id", "VAT", "VAT id", "VAT Number", "Tax ID", "VAT/Tax id"),
    **_keys("business_type", "Business Type"),
    **_keys("industry", "Industry"),
    **_keys("website", "Website", "Web Site", "Website URL", "Web Page", "URL",
            "Website 1 - Value", "Company Domain Name"),
    **_keys("website", "Personal Web Page", rank=2),
    **_keys("payment_terms", "Payment Terms", "Terms"),
    **_keys("billing_group", "Billing Group"),
    **_keys("segment", "Segment", "Customer Segment"),
    **_keys("loyalty_points", "Loyalty Points", "Points"),
    **_keys("language", "Language", "Preferred Language"),
    **_keys("currency", "Currency", "Preferred Currency"),
    **_keys("contact_channels", "Contact Channels", "Channels"),
    **_keys("email_opt_in", "Accepts Email Marketing", "Accepts Marketing",
            "Marketing Contact Status", "Email Opt In"),
    **_keys("sms_opt_in", "Accepts SMS Marketing", "SMS Opt In"),
    **_keys("owner", "Owner", "Account Owner", "Contact Owner", "HubSpot Owner"),
    **_keys("tags", "Tags", "Labels", "Group Membership", "Categories"),
    **_keys("note", "Note", "Notes"),
    # Address groups: rank 1 is taken first.
    **_keys("address_line1", "Address Line 1", "Address", "Address1", "Street", "Street Address",
            "Address 1 - Street", "Default Address Address1", "Business Street", "Billing Street"),
    **_keys("address_line2", "Address Line 2", "Address2", "Address 1 - Extended Address",
            "Default Address Address2", "Business Street 2"),
    **_keys("city", "City", "Town", "Address 1 - City", "Default Address City", "Business City"),
    **_keys("region", "Region", "State", "Province", "County", "State/Region", "Province Code",
            "Address 1 - Region", "Default Address Province Code", "Business State"),
    **_keys("postal_code", "Postal Code", "Postcode", "Zip", "Zip Code", "Address 1 - Postal Code",
            "Default Address Zip", "Business Postal Code"),
    **_keys("country", "Country", "Country Code", "Country/Region", "Address 1 - Country",
            "Default Address Country Code", "Business Country/Region"),
    **_keys("address_line1", "Home Street", rank=2),
    **_keys("address_line2", "Home Street 2", rank=2),
    **_keys("city", "Home City", rank=2),
    **_keys("region", "Home State", rank=2),
    **_keys("postal_code", "Home Postal Code", rank=2),
    **_keys("country", "Home Country/Region", rank=2),
    **_keys("address_line1", "Other Street", "Address 2 - Street", rank=3),
    **_keys("city", "Other City", "Address 2 - City", rank=3),
    **_keys("region", "Other State", "Address 2 - Region", rank=3),
    **_keys("postal_code", "Other Postal Code", "Address 2 - Postal Code", rank=3),
    **_keys("country", "Other Country/Region", "Address 2 - Country", rank=3),
    # Known columns that are deliberately not imported (ids of other systems,
    # figures that are computed here, our own refused-rows reason column).
    **_keys(IGNORE, "Customer number", "Customer ID", "Record ID", "Lifetime value",
            "Outstanding balance", "Active subscriptions", "Orders", "Last purchase", "Created",
            "Total Spent", "Total Orders", "Tax Exempt", "Lifecycle Stage", "Lead Status",
            "Create Date", "Last Activity Date", "Reason", "Import row", "Middle Name",
            "Additional Name"),
}  # fmt: skip

# Marker headers (as keys) that identify where a file came from.
PRODUCTS: list[tuple[str, set[str]]] = [
    ("crm-tui export", {"customernumber", "kind", "status"}),
    ("Google Contacts", {"givenname", "familyname", "groupmembership"}),
    ("Google Contacts", {"firstname", "labels", "email1value"}),
    ("Outlook", {"emailaddress", "businessphone", "mobilephone"}),
    ("Shopify customers", {"acceptsemailmarketing", "defaultaddressaddress1"}),
    ("Shopify customers", {"acceptsmarketing", "totalspent", "taxexempt"}),
    ("HubSpot contacts", {"recordid", "lifecyclestage"}),
    ("HubSpot contacts", {"recordid", "contactowner"}),
    ("vCard", {"fullname", "email2", "postalcode", "tags"}),
]


@dataclass(frozen=True)
class MappedColumn:
    """One column of the file and the field it goes to (IGNORE for none)."""

    index: int
    header: str
    target: str
    rank: int = 1


@dataclass(frozen=True)
class Mapping:
    """The whole mapping of a file, with the product it was recognised as."""

    columns: tuple[MappedColumn, ...]
    product: str = "unknown"

    def with_target(self, index: int, target: str) -> Mapping:
        if target not in TARGETS:
            raise ValueError(f"unknown field {target!r}")
        columns = list(self.columns)
        columns[index] = replace(columns[index], target=target)
        return Mapping(tuple(columns), self.product)

    def mapped(self) -> list[MappedColumn]:
        return [c for c in self.columns if c.target != IGNORE]

    def describe(self) -> list[tuple[str, str]]:
        """(header, field label) pairs, ignored columns included."""
        return [(c.header, TARGETS[c.target]) for c in self.columns]


def recognise(headers: list[str]) -> Mapping:
    """The mapping the headers suggest, and which product's export they look like."""
    keys = [header_key(h) for h in headers]
    columns = []
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        target, rank = KNOWN.get(key, (IGNORE, 9))
        columns.append(MappedColumn(index, header, target, rank))
    present = set(keys)
    product = next((name for name, markers in PRODUCTS if markers <= present), "unknown")
    if product == "unknown" and any(c.target for c in columns):
        product = "generic"
    return Mapping(tuple(columns), product)


def apply_overrides(mapping: Mapping, overrides: dict[str, str]) -> Mapping:
    """Change targets by header (compared like headers are) or by 1-based column number."""
    by_key = {header_key(c.header): c.index for c in mapping.columns}
    for header, raw_target in overrides.items():
        target = field_key(raw_target)
        index: int | None
        if header.strip().isdigit():
            index = int(header) - 1
            if not 0 <= index < len(mapping.columns):
                raise ValueError(f"there is no column {header}")
        else:
            index = by_key.get(header_key(header))
            if index is None:
                raise ValueError(f"there is no column named {header!r}")
        mapping = mapping.with_target(index, target)
    return mapping


def field_key(name: str) -> str:
    """A field named by key ('email'), label ('E-mail') or 'ignore'."""
    wanted = header_key(name)
    if wanted in ("ignore", "skip", "none", ""):
        return IGNORE
    for key, label in TARGETS.items():
        if wanted in (header_key(key), header_key(label)):
            return key
    raise ValueError(f"unknown field {name!r}; fields are: {', '.join(k for k in TARGETS if k)}")


def pick(mapping: Mapping, cells: list[str]) -> dict[str, str]:
    """Field -> raw text for one row, following ranks and address groups."""
    out: dict[str, str] = {}
    best: dict[str, int] = {}
    groups: dict[int, dict[str, str]] = {}
    for column in mapping.columns:
        if column.target == IGNORE or column.index >= len(cells):
            continue
        value = unneutralise(cells[column.index].strip())
        if not value:
            continue
        if column.target in ADDRESS_TARGETS:
            groups.setdefault(column.rank, {}).setdefault(column.target, value)
            continue
        if column.target not in best or column.rank < best[column.target]:
            out[column.target] = value
            best[column.target] = column.rank
    for rank in sorted(groups):
        group = groups[rank]
        if group.get("address_line1") or group.get("city"):
            out.update(group)
            break
    return out
