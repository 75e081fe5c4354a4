"""The fields an import can fill, and the column names real exports use for them.

Headers are compared with case, spacing and punctuation ignored ("E-mail
Address", "email_address" and "EMAIL ADDRESS" are one header). The tables
know the exports of Google Contacts (old and new layout), Outlook,
Thunderbird, Shopify (customers), HubSpot (contacts), Stripe (customers),
crm-tui's own export and the cells of a vCard (`imports.vcard_card`, which
uses Google's names), so those files import with no mapping work.

Several columns may feed one field: e-mails, phones and web addresses
(Outlook's mobile, home and business phones; Google's "Phone 1 - Value",
"Phone 2 - Value") rank 1 first; address columns come in groups (rank 1
is the first address). A column's label (work, home, mobile, other) comes
from its header, or from the "... - Label" / "... - Type" column beside it.
"""

from __future__ import annotations

import functools
import re

from crm_tui.services.imports import numbered

IGNORE = ""
CUSTOM = "custom"  # kept as the customer's custom field, named after the column
MULTI_TARGETS = ("email", "phone", "website")
ADDRESS_TARGETS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")
BIRTH_PARTS = ("birth_year", "birth_month", "birth_day")

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
    "birth_year": "Birth year",
    "birth_month": "Birth month",
    "birth_day": "Birth day",
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
    "note_title": "Note title",
    "note_type": "Note type (note, call, email, meeting, task)",
    "note_date": "Note date",
    "note_follow_up": "Note follow-up date",
    "note_done": "Note done (yes/no)",
    "note_pinned": "Note pinned (yes/no)",
    "note_visibility": "Note visibility (internal, customer)",
    "note_author": "Note author",
    "note_length": "Note length (calls and meetings: 25, 1h30)",
    "note_outcome": "Note outcome (calls and meetings)",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country",
    "address_formatted": "Address (one line)",
    CUSTOM: "Custom field (its own name)",
}


def header_key(header: str) -> str:
    """'E-mail Address' -> 'emailaddress': case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


@functools.lru_cache(maxsize=1024)  # asked per row for the file's few headers
def label_of(header: str) -> str:
    """The label a column's header implies: 'Mobile Phone' -> 'mobile', 'Home City' -> 'home'."""
    words = set(re.findall(r"[a-z]+", header.casefold()))
    if words & {"mobile", "cell", "cellular"}:
        return "mobile"
    if "home" in words or "personal" in words:
        return "home"
    if words & {"business", "work", "company", "office"}:
        return "work"
    if words & {"other", "fax", "pager", "assistant", "car", "callback", "isdn", "radio", "telex",
                "tty", "tdd", "secondary"}:  # fmt: skip
        return "other"
    return ""


def _keys(target: str, *headers: str, rank: int = 1) -> dict[str, tuple[str, int]]:
    return {header_key(h): (target, rank) for h in headers}


def _address_group(rank: int, prefix: str, **names: str) -> dict[str, tuple[str, int]]:
    """One address's columns: prefix + each part's header (Outlook's 'Business ' + 'City')."""
    table = {}
    for target, suffixes in names.items():
        for suffix in suffixes.split("|"):
            table[header_key(prefix + suffix)] = (target, rank)
    return table


_OUTLOOK_ADDRESS = dict(
    address_line1="Street|Address", address_line2="Street 2|Address 2|Street 3",
    city="City", region="State", postal_code="Postal Code|ZipCode|Zip",
    country="Country/Region|Country",
)  # fmt: skip
_STRIPE_ADDRESS = dict(
    address_line1="Line1", address_line2="Line2", city="City", region="State",
    postal_code="Zip|Postal Code", country="Country",
)  # fmt: skip

# header key -> (target, rank)
KNOWN: dict[str, tuple[str, int]] = {
    **_keys("first_name", "First Name", "Given Name", "First", "Forename", "Firstname"),
    **_keys("last_name", "Last Name", "Family Name", "Surname", "Last", "Lastname"),
    **_keys("full_name", "Name", "Full Name", "Display Name", "Contact Name", "Customer Name"),
    **_keys("company_name", "Company", "Company Name", "Organization", "Organisation",
            "Organization Name", "Organization 1 - Name", "Business Name"),
    **_keys("company_name", "Default Address Company", "Associated Company", rank=2),
    **_keys("email", "Email", "E-mail", "Email Address", "E-mail Address", "Primary Email",
            "Work Email", "Email 1"),
    **_keys("email", "E-mail 2 Address", "Email 2", "E-mail 2", "Secondary Email", rank=2),
    **_keys("email", "E-mail 3 Address", "Email 3", rank=3),
    **_keys("phone", "Phone", "Phone Number", "Telephone", "Tel", "Mobile", "Mobile Phone",
            "Mobile Phone Number", "Mobile Number", "Cell", "Cell Phone", "Primary Phone"),
    **_keys("phone", "Phone 2", "Home Phone", "Business Phone", "Work Phone",
            "Default Address Phone", rank=2),
    **_keys("phone", "Home Phone 2", "Business Phone 2", "Other Phone", "Company Main Phone",
            "Car Phone", "Assistant's Phone", "Callback", "Radio Phone", "ISDN", rank=3),
    **_keys("phone", "Business Fax", "Home Fax", "Other Fax", "Fax", "Fax Number", "Pager",
            "Pager Number", "Telex", "TTY/TDD Phone", rank=4),
    **_keys("kind", "Kind", "Customer Type", "Type"),
    **_keys("status", "Status", "Customer Status"),
    **_keys("status_reason", "Status Reason", "Blocked Reason"),
    **_keys("date_of_birth", "Birthday", "Date of Birth", "DOB", "Birth Date", "Birthdate"),
    **_keys("birth_year", "Birth Year"),
    **_keys("birth_month", "Birth Month"),
    **_keys("registration_number", "Registration Number", "Company Number", "Reg No"),
    **_keys("vat_id", "VAT", "VAT id", "VAT Number", "Tax ID", "VAT/Tax id", "Business Vat ID"),
    **_keys("business_type", "Business Type"),
    **_keys("industry", "Industry"),
    **_keys("website", "Website", "Web Site", "Website URL", "Web Page", "URL", "Web Page 1",
            "Company Domain Name", "Business Home Page"),
    **_keys("website", "Personal Web Page", "Web Page 2", rank=2),
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
    **_keys("note", "Note", "Notes", "Description"),
    # Address groups: rank 1 is the first address.
    **_keys("address_line1", "Address Line 1", "Address", "Address1", "Street", "Street Address",
            "Default Address Address1", "Billing Street"),
    **_keys("address_line2", "Address Line 2", "Address2", "Default Address Address2"),
    **_keys("city", "City", "Town", "Default Address City"),
    **_keys("region", "Region", "State", "Province", "County", "State/Region", "Province Code",
            "Default Address Province Code"),
    **_keys("postal_code", "Postal Code", "Postcode", "Zip", "Zip Code", "Default Address Zip"),
    **_keys("country", "Country", "Country Code", "Country/Region",
            "Default Address Country Code"),
    **_address_group(1, "Business ", **_OUTLOOK_ADDRESS),
    **_address_group(1, "Work ", **_OUTLOOK_ADDRESS),
    **_address_group(1, "Address ", **_STRIPE_ADDRESS),
    **_address_group(2, "Home ", **_OUTLOOK_ADDRESS),
    **_address_group(2, "Shipping Address ", **_STRIPE_ADDRESS),
    **_address_group(3, "Other ", **_OUTLOOK_ADDRESS),
    # Columns deliberately not imported: figures computed here (from crm-tui's own
    # export and the shops'), our customer number, our refused-rows reason column.
    # Any other column no field takes is kept as a custom field.
    **_keys(IGNORE, "Customer number", "Lifetime value", "Outstanding balance",
            "Active subscriptions", "Orders", "Last purchase", "Created", "Total Spent",
            "Total Orders", "Reason", "Import row", "Total Spend", "Payment Count",
            "Refunded Volume", "Dispute Losses"),
}  # fmt: skip

# Marker headers (as keys) that identify where a file came from.
PRODUCTS: list[tuple[str, set[str]]] = [
    ("crm-tui export", {"customernumber", "kind", "status"}),
    ("Google Contacts", {"givenname", "familyname", "groupmembership"}),
    ("Google Contacts", {"firstname", "labels", "email1value"}),
    ("Outlook", {"emailaddress", "businessphone", "mobilephone"}),
    ("Thunderbird", {"primaryemail", "secondaryemail", "workphone"}),
    ("Thunderbird", {"displayname", "primaryemail"}),
    ("Shopify customers", {"acceptsemailmarketing", "defaultaddressaddress1"}),
    ("Shopify customers", {"acceptsmarketing", "totalspent", "taxexempt"}),
    ("HubSpot contacts", {"recordid", "lifecyclestage"}),
    ("HubSpot contacts", {"recordid", "contactowner"}),
    ("Stripe customers", {"id", "createdutc", "delinquent"}),
    ("vCard", {"fullname", "email1value", "address1street", "nameprefix"}),
]


def label_column(header: str) -> str | None:
    """'E-mail 1 - Label' -> key of its value column 'email1value'; None for other headers."""
    match = re.match(r"^(.*)-\s*(label|type)\s*$", header.strip(), re.IGNORECASE)
    return header_key(match.group(1) + " value") if match else None


def known(key: str) -> tuple[str, int] | None:
    """(target, rank) of a header key: the tables above, then numbered groups of any number."""
    return KNOWN.get(key) or numbered.read(key)


CUSTOM_PREFIX = "Custom field - "


def custom_header(name: str) -> str:
    """The column a custom field is exported under: its own name, unless an import would
    read that name as another field ("Birthday", "Phone 2"); then 'Custom field - NAME'."""
    taken = known(header_key(name)) is not None or label_column(name) is not None
    return CUSTOM_PREFIX + name if taken or custom_name(name) != name else name


def custom_name(header: str) -> str:
    """The custom field a column keeps: its header, less the prefix `custom_header` adds."""
    if header[: len(CUSTOM_PREFIX)].casefold() == CUSTOM_PREFIX.casefold():
        return header[len(CUSTOM_PREFIX) :].strip() or header
    return header


# What a product writes for "nothing" in a column: Outlook fills every contact's
# empty dates with 0/0/00 and its flags with their defaults. Such a cell is empty.
NO_VALUE: dict[str, frozenset[str]] = {
    **{header_key(h): frozenset({"0/0/00", "0/0/0000"}) for h in ("Birthday", "Anniversary")},
    header_key("Gender"): frozenset({"Unspecified"}),
    header_key("Priority"): frozenset({"Normal"}),
    header_key("Sensitivity"): frozenset({"Normal"}),
    header_key("Private"): frozenset({"False"}),
    **{header_key(h): frozenset({"SMTP"})  # the mail system, not a label
       for h in ("E-mail Type", "E-mail 2 Type", "E-mail 3 Type")},
}  # fmt: skip
