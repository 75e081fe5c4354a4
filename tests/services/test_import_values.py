"""Import keeps the customer when an optional value fails, reads dates by column, reads formats."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest

from crm_tui.services.countries import country_code
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.dates import read_date
from crm_tui.services.imports.service import DateOrderNeeded, ImportService
from crm_tui.services.imports.vcard_lines import parse_line
from crm_tui.services.merge.service import MergeService
from crm_tui.services.phones import read_phone
from crm_tui.services.registry import Services


def _csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _not_imported(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Ghana", "GH"), ("FRA", "FR"), ("U.S.A.", "US"), ("usa", "US"), ("UK", "GB"),
        ("United Kingdom", "GB"), ("England", "GB"), ("Deutschland", "DE"),
        ("Royaume-Uni", "GB"), ("Vereinigte Staaten", "US"), ("España", "ES"), ("pt", "PT"),
        ("Côte d’Ivoire", "CI"), ("The Netherlands", "NL"), ("Atlantis", None), ("", None),
    ],
)  # fmt: skip
def test_countries_from_names_codes_and_variants(written: str, code: str | None) -> None:
    """Names in several languages, alpha-2/3 codes and dotted variants read as ISO codes."""
    assert country_code(written) == code


def test_possible_phone_is_kept_unverified() -> None:
    """A number of the right length that is not in use is kept, marked not valid."""
    assert read_phone("+49 1234 56788", "GB") == ("+49123456788", False)
    assert read_phone("(413) 549-0077", "US") == ("+14135490077", True)
    with pytest.raises(ValidationError, match="too few or too many digits"):
        read_phone("+44 12", "GB")


def test_bad_optional_values_keep_the_customer(services: Services, tmp_path: Path) -> None:
    """Each bad optional value is left out and listed by row, column and reason; rows import."""
    path = _csv(
        tmp_path / "shop.csv",
        "First Name,Last Name,Email,Phone,Country,Website,Birthday,Loyalty Points",
        "Ana,Lima,ana@,(413) 549-0077,U.S.A.,http\\://www.example.com,--04-22,lots",
        "Ben,Ode,ben@example.com,+49 1234 56788,Ghana,,1985-02-30,",
        "Cleo,Ray,cleo@example.com,12,FRA,,,",
    )
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.refused) == (3, 0)
    assert summary.unverified_phones == 1
    ana = services.customers.resolve("C-000001")
    assert (ana.email, ana.phone) == (None, "+14135490077")  # read with the row's own country
    assert services.customers.resolve("ben@example.com").phone == "+49123456788"
    rows = {(r["Row"], r["Column"]): r for r in _not_imported(tmp_path / "shop.not-imported.csv")}
    assert "'ana@' is not valid" in rows[("2", "Email")]["Reason"]
    assert rows[("2", "Loyalty Points")]["Value"] == "lots"
    assert ("2", "Birthday") not in rows  # kept as month and day
    assert [(f.name, f.value) for f in services.custom_fields.list(ana.id)] == [
        ("Birthday", "--04-22")
    ]
    assert "not a date" in rows[("3", "Birthday")]["Reason"]
    assert "too few or too many digits" in rows[("4", "Phone")]["Reason"]
    assert summary.not_imported["Email"] == 1 and summary.not_imported["Phone"] == 1
    assert "Phone: 1 value not imported" in summary.not_imported_lines()


def test_row_without_name_company_or_email_is_refused(services: Services, tmp_path: Path) -> None:
    """Only a row that cannot make a customer is refused; an e-mail alone names the customer."""
    path = _csv(tmp_path / "few.csv", "Name,Email,Phone", ",,+447911123456", ",solo@example.com,")
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.refused) == (1, 1)
    assert "cannot make a customer" in summary.examples[0][1]
    assert services.customers.resolve("solo@example.com").last_name == "solo@example.com"


def test_individual_business_fields_are_reported_not_lost(
    services: Services, tmp_path: Path
) -> None:
    """An individual's website is kept as a web address; a VAT number is listed as not kept."""
    path = _csv(
        tmp_path / "w.csv", "First Name,Email,Website,VAT", "Ana,ana@example.pt,example.pt,X-77"
    )
    summary = ImportService(services.ctx).run(path)
    assert summary.created == 1 and summary.not_imported == {"VAT": 1}
    (row,) = _not_imported(tmp_path / "w.not-imported.csv")
    assert "business customers only" in row["Reason"]
    ana = services.customers.resolve("ana@example.pt")
    assert ana.website is None
    webs = [p.value for p in services.contact_points.list(ana.id) if p.kind == "web"]
    assert webs == ["https://example.pt"]


@pytest.mark.parametrize(
    ("dates", "order", "first"),
    [
        (["10/06/2008", "03/13/1938"], "mdy", "2008-10-06"),
        (["10/06/2008", "13/03/1938"], "dmy", "2008-06-10"),
        (["1985-04-12", "20/01/1990"], "dmy", "1985-04-12"),
    ],
)
def test_date_order_is_read_from_the_whole_column(
    services: Services, tmp_path: Path, dates: list[str], order: str, first: str
) -> None:
    """A value with a part over 12 settles the whole column's order; no value is swapped."""
    lines = [f"P{n},p{n}@example.com,{d}" for n, d in enumerate(dates)]
    path = _csv(tmp_path / "d.csv", "Name,Email,Birthday", *lines)
    summary = ImportService(services.ctx).run(path)
    assert summary.date_order == order and summary.created == len(dates)
    assert str(services.customers.resolve("p0@example.com").date_of_birth) == first
    assert not summary.not_imported


def test_ambiguous_date_column_needs_an_order(services: Services, tmp_path: Path) -> None:
    """A column whose every date reads both ways is not guessed: the import asks first."""
    path = _csv(tmp_path / "d.csv", "Name,Email,Birthday", "Ana,ana@example.pt,03/04/1985")
    service = ImportService(services.ctx)
    with pytest.raises(DateOrderNeeded, match="--date-order dmy\\|mdy\\|ymd"):
        service.run(path)
    assert services.customers.count() == 0 and not (tmp_path / "d.refused.csv").exists()
    preview = service.preview(path)
    assert preview.date_question is not None and preview.date_question.example == "03/04/1985"
    service.run(path, date_order="mdy")
    assert str(services.customers.resolve("ana@example.pt").date_of_birth) == "1985-03-04"


def test_date_forms() -> None:
    """ISO, compact, words, two-digit years and Apple's year 1604 read right."""
    assert str(read_date("19850412", None).value) == "1985-04-12"
    assert str(read_date("15-Jan-24", None).value) == "2024-01-15"
    assert str(read_date("Jan 15, 2024", None).value) == "2024-01-15"
    assert read_date("16040422", None).month_day == (4, 22)
    assert read_date("--0422", None).month_day == (4, 22)
    with pytest.raises(ValueError, match="cannot be month-first"):
        read_date("13/03/1938", "mdy")


def test_quoted_printable_soft_breaks_and_charsets(services: Services, tmp_path: Path) -> None:
    """A 2.1 value continued after '=' is read whole; one bad byte does not lose the card."""
    path = tmp_path / "qp.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=20=C3=91=20=C3=91=20=C3=91=20=C3=91=\r\n"
        b"=20=C3=91;Ana;;;\r\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Caf=E9, first line=0D=0Asecond=\r\n"
        b" line =A35\r\n"
        b"EMAIL;PREF;INTERNET:ana@example.pt\r\nEND:VCARD\r\n"
    )
    summary = ImportService(services.ctx).run(path)
    assert summary.created == 1
    ana = services.customers.resolve("ana@example.pt")
    assert ana.last_name == "Ñ Ñ Ñ Ñ Ñ Ñ"
    (note,) = services.notes.list(ana.id)
    assert note.body == "Café, first line\nsecond line £5"
    with pytest.raises(ValueError, match="charset 'X-NONE' is unknown"):
        parse_line("FN;CHARSET=X-NONE;QUOTED-PRINTABLE:=41")


def test_vcard_escapes_labels_and_several_values(services: Services, tmp_path: Path) -> None:
    """Apple's escaped URL, item-group labels, and each phone and address are read."""
    path = tmp_path / "apple.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nN:Doe;John;;;\nFN:John Doe\nORG:Acme\\, Inc.;Sales\n"
        "item1.URL:http\\://www.acme.example\nitem1.X-ABLabel:_$!<HomePage>!$_\n"
        "TEL;type=CELL:+1 212 555 0100\nTEL;type=WORK:+1 212 555 0111\n"
        "ADR;type=WORK:;;1 Main St;New York;NY;10001;USA\n"
        "ADR;type=HOME:;;2 Side St;Boston;MA;02101;United States of America\n"
        "END:VCARD\n",
        encoding="utf-8",
    )
    summary = ImportService(services.ctx).run(path)
    assert summary.created == 1
    acme = services.customers.resolve("C-000001")
    assert (acme.company_name, acme.website, acme.phone) == (
        "Acme, Inc.",
        "http://www.acme.example",
        "+12125550100",
    )
    addresses = services.addresses.list(acme.id)
    assert [(a.city, a.country, a.is_default_billing) for a in addresses] == [
        ("New York", "US", True),
        ("Boston", "US", False),
    ]


def test_vobject_logging_never_reaches_the_terminal(
    services: Services, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A stray line in a card is reported as not imported; no library logs to the terminal."""
    path = tmp_path / "odd.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Odd One\nthis line is no property\nEND:VCARD\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.DEBUG):
        summary = ImportService(services.ctx).run(path)
    assert summary.created == 1 and summary.not_imported["Unreadable Line"] == 1
    assert not [r for r in caplog.records if r.name.startswith("vobject")]


def test_columns_without_a_field_become_custom_fields(services: Services, tmp_path: Path) -> None:
    """A shop's own columns are kept under their names, searchable; a re-import updates them."""
    path = _csv(
        tmp_path / "shop.csv",
        "First Name,Last Name,Email,Job Title,Nickname,Loyalty Tier,Customer number",
        "Ana,Lima,ana@example.pt,Buyer,Nini,Gold,C-000999",
    )
    summary = ImportService(services.ctx).run(path)
    assert summary.created == 1 and summary.not_imported == {"Customer number": 1}
    ana = services.customers.resolve("ana@example.pt")
    fields = {f.name: f.value for f in services.custom_fields.list(ana.id)}
    assert fields == {"Job Title": "Buyer", "Nickname": "Nini", "Loyalty Tier": "Gold"}
    assert [row.id for row in services.search.search("nini").rows] == [ana.id]
    _csv(
        path,
        "First Name,Last Name,Email,Job Title,Nickname,Loyalty Tier",
        "Ana,Lima,ana@example.pt,Head buyer,Nini,Gold",
    )
    again = ImportService(services.ctx).run(path, on_duplicate="update")
    assert again.updated == 1
    fields = {f.name: f.value for f in services.custom_fields.list(ana.id)}
    assert fields["Job Title"] == "Head buyer" and len(fields) == 3
    assert ImportService(services.ctx).run(path, on_duplicate="update").unchanged == 1


def test_custom_field_service_sets_and_removes(services: Services, tmp_path: Path) -> None:
    """A clerk can set, change and remove a custom field; the search follows."""
    path = _csv(tmp_path / "one.csv", "Name,Email", "Ana Lima,ana@example.pt")
    ImportService(services.ctx).run(path)
    ana = services.customers.resolve("ana@example.pt")
    services.custom_fields.set(ana.id, "Locker", "B-17")
    services.custom_fields.set(ana.id, "locker", "B-18")
    (field,) = services.custom_fields.list(ana.id)
    assert (field.name, field.value) == ("Locker", "B-18")
    assert [row.id for row in services.search.search("b-18").rows] == [ana.id]
    with pytest.raises(ValidationError, match="card number"):
        services.custom_fields.set(ana.id, "Card", "4111 1111 1111 1111")
    services.custom_fields.remove(field.id or 0)
    assert services.custom_fields.list(ana.id) == []
    assert not services.search.search("b-18").rows


def test_custom_fields_survive_merge_and_go_with_erase(services: Services) -> None:
    """Merging keeps one value per name (the survivor's); an erase removes them all."""
    keep = services.customers.create(CustomerCreate(first_name="Ana", last_name="Lima"))
    lose = services.customers.create(CustomerCreate(first_name="Ana", last_name="Lima"))
    services.custom_fields.set(keep.id, "Locker", "B-17")
    services.custom_fields.set(lose.id, "locker", "C-3")
    services.custom_fields.set(lose.id, "Shoe size", "38")
    MergeService(services.ctx).merge([keep.id, lose.id], keep=keep.id)
    fields = {f.name: f.value for f in services.custom_fields.list(keep.id)}
    assert fields == {"Locker": "B-17", "Shoe size": "38"}
    services.customers.erase(keep.id, confirm=keep.number)
    assert services.custom_fields.list(keep.id) == []
    assert not services.search.search("b-17").rows
