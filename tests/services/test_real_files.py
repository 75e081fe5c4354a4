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
}  # fmt: skip

# file -> (column, reason fragment) that the not-imported file must list
NOT_IMPORTED = {
    "ezvcard_John_Doe_IPHONE.vcf": ("Photo", "not imported"),
    "ezvcard_outlook-2003.vcf": ("Phone 1 - Value", "could not be read"),
    "khard_text-bday.vcf": ("Birthday", "'circa 1800' is not a date"),
    "khard_post.vcf": ("Address 1 - Country", "Not a country we know"),
    "thunderbird_export.csv": ("Primary Email", "'contact1@invalid' is not valid"),
    "ezvcard_John_Doe_GMAIL.vcf": ("Address 1 - Extended Address", "no street and city"),
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
