"""Real export files (tests/data/real, sources in its README) import as their contents say.

The expectations are written by hand from reading each file: how many
customers it makes, and a few values that earlier versions lost or broke
(quoted-printable names cut at a soft line break, notes cut at a comma,
phones of another country read with the default region, Apple's escaped
URLs, Lotus Notes' PROFILE line refusing the card).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

REAL = Path(__file__).resolve().parent.parent / "data" / "real"

# file -> (created, skipped, refused, {customer ref: {field: value}})
EXPECTED: dict[str, tuple[int, int, int, dict[str, dict[str, Any]]]] = {
    "ezvcard_John_Doe_ANDROID.vcf": (5, 1, 0, {
        "john.doe@company.com": {"last_name": "john.doe@company.com"},  # e-mail only: named by it
        "C-000004": {"last_name": "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ"},  # 11 letters across a soft break
        "henry@company.com": {"kind": "business", "company_name": "Ñ" * 44},
    }),
    "ezvcard_John_Doe_BLACK_BERRY.vcf": (1, 0, 0, {
        "C-000001": {"first_name": "john", "company_name": "Acme Solutions"},
    }),
    "ezvcard_John_Doe_EVOLUTION.vcf": (1, 0, 0, {
        "john.doe@ibm.com": {"phone": "+19056661234", "website": "http://www.ibm.com"},
    }),
    "ezvcard_John_Doe_GMAIL.vcf": (1, 0, 0, {
        "john.doe@ibm.com": {"company_name": "IBM", "date_of_birth": "1980-03-22"},
    }),
    "ezvcard_John_Doe_IPHONE.vcf": (1, 0, 0, {
        "john.doe@ibm.com": {"phone": "+19055551234", "website": "http://www.ibm.com"},
    }),
    "ezvcard_John_Doe_LOTUS_NOTES.vcf": (1, 0, 0, {  # PROFILE:VCARD no longer refuses it
        "john.doe@ibm.com": {"website": "http://www.sun.com", "date_of_birth": "1980-05-21"},
    }),
    "ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf": (1, 0, 0, {
        "john.doe@ibm.com": {"phone": "+19057771234", "date_of_birth": "2012-06-06"},
    }),
    "ezvcard_John_Doe_MS_OUTLOOK.vcf": (1, 0, 0, {
        "john.doe@ibm.cm": {"phone": "+19055551234", "last_name": "Doe"},
    }),
    "ezvcard_fullcontact.vcf": (1, 0, 0, {
        "home@example.com": {"company_name": "Organization1", "date_of_birth": "2016-08-01"},
    }),
    "ezvcard_gmail-list.vcf": (3, 0, 0, {
        "asmithk@gmail.com": {"first_name": "Arnold"},
        "dwhite@gmail.com": {"last_name": "White"},
    }),
    "ezvcard_gmail-single.vcf": (1, 0, 0, {
        "gdartmouth@hotmail.com": {"website": "http://TheProfile.com", "phone": "+15555551111"},
    }),
    "ezvcard_gmail-single2.vcf": (1, 0, 0, {
        "email@example.com": {"website": "http://www.example1.com", "date_of_birth": "1912-06-23"},
    }),
    "ezvcard_issue114.vcf": (1, 0, 0, {  # +49 1234 56789 is possible, not valid: kept
        "dummy.dummy@dummy.com": {"phone": "+49123456789", "company_name": "Dummy GmbH"},
    }),
    "ezvcard_outlook-2003.vcf": (1, 0, 0, {
        "jdoe@hotmail.com": {"company_name": "Company, The", "phone": None},
    }),
    "ezvcard_thunderbird-MoreFunctionsForAddressBook-extension.vcf": (1, 0, 0, {
        "doe.john@hotmail.com": {"date_of_birth": "1970-09-21", "phone": "+15555551111"},
    }),
    "khard_korean-c.vcf": (1, 0, 0, {"C-000001": {"first_name": "최유림"}}),
    "khard_labels.vcf": (1, 0, 0, {"C-000001": {"company_name": "Test Inc"}}),
    "khard_post.vcf": (1, 0, 0, {"C-000001": {"last_name": "post address"}}),
    "khard_tel-value-uri.vcf": (1, 0, 0, {"C-000001": {"phone": "+4467545678"}}),
    "khard_text-bday.vcf": (1, 0, 0, {"C-000001": {"date_of_birth": None}}),
    "vobject_radicale-1587.vcf": (1, 0, 0, {"C-000001": {"first_name": "Given"}}),
    "thunderbird_basic_csv_addressbook.csv": (2, 0, 0, {"C-000002": {"first_name": "Jane"}}),
    "thunderbird_csv_semicolon.csv": (2, 0, 0, {"C-000001": {"last_name": "Doe"}}),
    "thunderbird_dos_vcard_addressbook.vcf": (1, 0, 0, {
        "example@gmail.com": {"first_name": "Name", "last_name": "Surname"},
    }),
    "thunderbird_export.csv": (2, 0, 0, {"C-000002": {"last_name": "two", "email": None}}),
    "thunderbird_export.txt": (2, 0, 0, {"C-000002": {"last_name": "two", "email": None}}),
    "thunderbird_export.vcf": (2, 0, 0, {"C-000001": {"first_name": "contact"}}),
    # Hand-written in the layouts the products export (README: "documented layouts").
    "layout_google_contacts_legacy.csv": (4, 0, 0, {  # UTF-16, as Google wrote it
        "maria.silva@example.com": {"kind": "business", "company_name": "Exemplo Lda",
                                    "date_of_birth": "1984-03-07", "phone": "+351912345678"},
        "ken.tanaka@example.jp": {"phone": "+81312345678", "date_of_birth": None},  # Japan's 03
        "C-000003": {"first_name": "Alex", "phone": "+444155550132"},  # US-style, read in GB
        "info@example-shop.com": {"kind": "business", "company_name": "Example Shop"},
    }),
    "layout_google_contacts.csv": (3, 0, 0, {
        "priya@example.co.uk": {"phone": "+447700900123", "tags": "('VIP',)"},
        "lukas@beispiel.example": {"phone": "+49301234567", "company_name": "Beispiel GmbH"},
        "zoe@example.ie": {"first_name": "Zoë", "last_name": "O'Example"},
    }),
    "layout_outlook.csv": (3, 0, 0, {  # Windows-1252, CRLF; 3/13/1980 makes the column mdy
        "jane.roe@example.com": {"date_of_birth": "1980-03-13", "tags": "('Customers', 'VIP')",
                                 "website": "https://www.contoso.example"},
        "bob.smith@example.net": {"date_of_birth": "1975-10-06", "phone": "+12065550199"},
        "sales@fabrikam.example": {"kind": "business", "first_name": None},
    }),
    "layout_hubspot_contacts.csv": (5, 0, 0, {
        "kwame@example.com": {"phone": "+233302123456", "owner": "Alice Owner"},  # "Ghana"
        "claire@example.fr": {"phone": "+33123456789", "company_name": "Exemple SARL"},  # "FRA"
        "dana@example.com": {"phone": "+14135550100"},  # "U.S.A."
        "hans@example.de": {"phone": "+49123456788"},  # possible, not valid: kept unverified
        "no-name@example.com": {"last_name": "no-name@example.com"},
    }),
    "layout_shopify_customers.csv": (3, 0, 0, {
        "olivia@example.com": {"phone": "+16175550124", "contact_channels": "email"},
        "noah@example.ca": {"kind": "business", "contact_channels": "sms"},
        "C-000003": {"first_name": "Emma", "phone": "+447700900777", "email": None},
    }),
    "layout_shopify_customers_legacy.csv": (2, 0, 0, {
        "liam@example.com": {"phone": "+16175550155", "contact_channels": "email"},
        "sofia@example.it": {"company_name": "Esempio Srl", "phone": "+390212345678"},
    }),
    "layout_stripe_customers.csv": (3, 0, 0, {
        "li.example@example.com": {"first_name": "Li", "currency": "EUR"},
        "sam.example@example.com": {"phone": "+14155550175", "currency": "USD"},
        "billing@beispiel-handel.example": {"kind": "business", "vat_id": "DE123456789",
                                            "company_name": "Beispiel Handel GmbH"},
    }),
}  # fmt: skip

# file -> customer -> what else it keeps: its e-mails, phones and web addresses
# (value, label, primary), its addresses (kind, line 1, postcode, country) and custom fields.
KEPT: dict[str, dict[str, dict[str, Any]]] = {
    "layout_google_contacts_legacy.csv": {
        "maria.silva@example.com": {  # "a ::: b" in one cell is two e-mails
            "points": [("email", "maria.silva@example.com", "home", True),
                       ("email", "maria@example.org", "home", False),
                       ("email", "m.silva@example.net", "work", False),
                       ("phone", "+351912345678", "mobile", True),
                       ("phone", "+351211234567", "work", False),
                       ("web", "http://www.example.com/maria", "other", True)],
            "addresses": [("billing", "Rua do Ouro 12", "1100-060", "PT")],
            "custom": {"Organization 1 - Title": "Buyer"},
        },
        "ken.tanaka@example.jp": {"custom": {"Birthday": "--04-22", "Given Name Yomi": "ケン",
                                             "Family Name Yomi": "タナカ"}},
    },
    "layout_google_contacts.csv": {
        "priya@example.co.uk": {  # labelled custom columns keep their label as the name
            "points": [("email", "priya@example.co.uk", "work", True),
                       ("email", "priya.home@example.org", "home", False),
                       ("phone", "+447700900123", "mobile", True),
                       ("phone", "+442079460321", "work", False),
                       ("phone", "+442079460322", "work", False)],
            "custom": {"Spouse": "Sam", "Anniversary": "2015-06-20", "Account ref": "ACME-0042"},
        },
        "lukas@beispiel.example": {
            "addresses": [("billing", "Beispielstraße 5", "10115", "DE")],  # "Deutschland"
            "custom": {"Birthday": "--11-03", "Nickname": "Luki", "Organization Title": "CTO",
                       "Organization Department": "R&D"},
        },
    },
    "layout_outlook.csv": {
        "jane.roe@example.com": {  # 0/0/00, Unspecified, Normal, False, SMTP: Outlook's nothing
            "addresses": [("billing", "10 Example Road", "RG1 1AA", "GB"),
                          ("billing", "Flat 2, 5 High Street", "RG1 2BB", "GB")],
            "custom": {"Title": "Ms.", "Job Title": "Office Manager", "Initials": "J.R.",
                       "E-mail Display Name": "Jane Roe (jane.roe@example.com)",
                       "E-mail 2 Display Name": "jroe@example.org"},
        },
    },
    "layout_shopify_customers.csv": {
        "olivia@example.com": {  # Shopify's apostrophes ('02134, '+1617...) come off
            "addresses": [("billing", "12 Example Ave", "02134", "US")],
            "custom": {"Customer ID": "7208430011001", "Tax Exempt": "no"},
        },
    },
    "layout_shopify_customers_legacy.csv": {
        "liam@example.com": {"addresses": [("billing", "7 Example Street", "02139", "US")]},
    },
    "layout_stripe_customers.csv": {
        "li.example@example.com": {
            "addresses": [("billing", "Beispielstraße 1", "10115", "DE"),
                          ("shipping", "Lager 4", "20095", "DE")],
        },
    },
}  # fmt: skip

# file -> (column, reason fragment) that the not-imported file must list
NOT_IMPORTED = {
    "ezvcard_John_Doe_IPHONE.vcf": ("Photo", "not imported"),
    "ezvcard_outlook-2003.vcf": ("Phone 1 - Value", "could not be read"),
    "khard_text-bday.vcf": ("Birthday", "'circa 1800' is not a date"),
    "khard_post.vcf": ("Address 1 - Country", "Not a country we know"),
    "thunderbird_export.csv": ("Primary Email", "'contact1@invalid' is not valid"),
    "ezvcard_John_Doe_GMAIL.vcf": ("Address 1 - Extended Address", "no street"),
    "layout_hubspot_contacts.csv": ("City", "The address has no street"),
    "layout_shopify_customers_legacy.csv": ("Province Code", "gives this address's part already"),
    "layout_stripe_customers.csv": ("Total Spend", "The column is not imported"),
}


def test_every_real_file_has_expectations() -> None:
    """No file sits in the corpus untested, and the README names each one."""
    files = {p.name for p in REAL.iterdir() if p.name != "README.md"}
    assert files == set(EXPECTED)
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    assert all(f"| {name} |" in readme for name in files)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_imports(services: Services, tmp_path: Path, name: str) -> None:
    """Each real export makes the customers it holds, with the values written in it."""
    created, skipped, refused, checks = EXPECTED[name]
    path = tmp_path / name
    shutil.copy(REAL / name, path)
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.skipped, summary.refused) == (created, skipped, refused)
    for ref, fields in checks.items():
        customer = services.customers.resolve(ref)
        for field, expected in fields.items():
            value = getattr(customer, field)
            assert (str(value) if value is not None else None) == expected, (ref, field)
    if name in NOT_IMPORTED:
        column, reason = NOT_IMPORTED[name]
        assert summary.values_file is not None
        text = summary.values_file.read_text(encoding="utf-8-sig")
        assert any(column in line and reason in line for line in text.splitlines()), text
    if not skipped and not refused:  # every value is kept in a field or listed as not imported
        assert summary.values_kept + sum(summary.not_imported.values()) == summary.values


@pytest.mark.parametrize("name", sorted(KEPT))
def test_real_file_keeps_every_way_to_reach(services: Services, tmp_path: Path, name: str) -> None:
    """Every e-mail, phone, web address, address and leftover column a file holds is kept."""
    path = tmp_path / name
    shutil.copy(REAL / name, path)
    ImportService(services.ctx).run(path)
    for ref, kept in KEPT[name].items():
        customer = services.customers.resolve(ref)
        if "points" in kept:
            points = [(p.kind, p.value, p.label, p.is_primary)
                      for p in services.contact_points.list(customer.id)]  # fmt: skip
            assert sorted(points) == sorted(kept["points"]), ref
        if "addresses" in kept:
            addresses = [(a.kind, a.line1, a.postal_code, a.country)
                         for a in services.addresses.list(customer.id)]  # fmt: skip
            assert sorted(addresses) == sorted(kept["addresses"]), ref
        if "custom" in kept:
            fields = {f.name: f.value for f in services.custom_fields.list(customer.id)}
            assert fields == kept["custom"], ref
