"""Import on both engines: formats, mapping, preview, duplicate modes, dry run, safety."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.models import Address, ChangeRecord, Customer, CustomerSearch, CustomerSummary, Note
from crm_tui.services.imports.encodings import detect_encoding
from crm_tui.services.imports.formats import ImportFileError, open_source
from crm_tui.services.imports.mapping import apply_overrides, header_key, pick, recognise
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services
from crm_tui.services.search import document as search_doc

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"


def _importer(services: Services) -> ImportService:
    return ImportService(services.ctx)


def _count(services: Services, model: type[object] = Customer) -> int:
    with services.ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "product", "created", "refused"),
    [
        ("google_contacts.csv", "Google Contacts", 2, 2),
        ("outlook.csv", "Outlook", 2, 0),  # its dates read both ways: run with dmy below
        ("shopify_customers.csv", "Shopify customers", 3, 1),
        ("hubspot_contacts.csv", "HubSpot contacts", 2, 0),
        ("customers.xlsx", "generic", 3, 0),
        ("contacts_v3.vcf", "vCard", 2, 0),
        ("contacts_v4.vcf", "vCard", 2, 0),
    ],
)
def test_sample_exports_import(
    services: Services, tmp_path: Path, name: str, product: str, created: int, refused: int
) -> None:
    """Each product's export is recognised and imported, bad rows refused with reasons."""
    order = "dmy" if name == "outlook.csv" else None
    summary = _importer(services).run(
        DATA / name, refused_path=tmp_path / "refused.csv", date_order=order
    )
    assert summary.product == product
    assert (summary.created, summary.refused) == (created, refused)
    assert _count(services) == created
    if refused:
        assert summary.refused_file is not None and summary.refused_file.exists()


def test_google_row_lands_whole(services: Services, tmp_path: Path) -> None:
    """A Google Contacts row keeps its phone, birthday, address, label and note."""
    _importer(services).run(DATA / "google_contacts.csv", refused_path=tmp_path / "r.csv")
    ana = services.customers.resolve("ana.lima@example.pt")
    assert ana.phone == "+351912345678"
    assert str(ana.date_of_birth) == "1985-04-12"
    assert ana.tags == ("Friends",)
    (address,) = services.addresses.list(ana.id)
    assert (address.city, address.country, address.is_default_billing) == ("Lisboa", "PT", True)
    oliver = services.customers.resolve("oliver@bennettjoinery.example.co.uk")
    assert oliver.kind == "business" and oliver.company_name == "Bennett Joinery"


def test_header_keys_ignore_case_and_spacing() -> None:
    """'E-mail Address', 'email_address' and ' EMAIL ADDRESS ' are one header."""
    assert (
        header_key("E-mail Address") == header_key("email_address") == header_key(" EMAIL ADDRESS ")
    )
    mapping = recognise(["FIRST_NAME", "last name", "E-Mail", "Mobile Phone"])
    assert [c.target for c in mapping.columns] == ["first_name", "last_name", "email", "phone"]


def test_phone_rank_and_address_groups() -> None:
    """Phones come best rank first with their labels; each address group stays whole."""
    mapping = recognise(
        [
            "Home Phone",
            "Mobile Phone",
            "Business Street",
            "Business City",
            "Home Street",
            "Home City",
        ]
    )
    picked = pick(mapping, ["020 7946 0000", "07911 123456", "", "", "1 Home Rd", "York"])
    assert picked.values["phone"] == "07911 123456"
    assert [(v, label) for v, label, _h in picked.points["phone"]] == [
        ("07911 123456", "mobile"),
        ("020 7946 0000", "home"),
    ]
    ((home),) = picked.addresses
    assert (home["address_line1"], home["city"], home["kind"]) == ("1 Home Rd", "York", "billing")


def test_mapping_overrides(services: Services, tmp_path: Path) -> None:
    """The user can send a column to another field, or ignore it."""
    path = _write_csv(
        tmp_path / "odd.csv", ["Who,Mail,Digits", "Ana Lima,ana@example.pt,+351912345678"]
    )
    mapping = recognise(["Who", "Mail", "Digits"])
    assert not mapping.mapped()
    mapping = apply_overrides(mapping, {"who": "full_name", "MAIL": "E-mail", "3": "phone"})
    summary = _importer(services).run(path, mapping=mapping)
    assert summary.created == 1
    assert services.customers.resolve("ana@example.pt").last_name == "Lima"


def test_preview_shows_problems_and_writes_nothing(services: Services) -> None:
    """The preview plans the first rows with each row's problems, saving nothing."""
    preview = _importer(services).preview(DATA / "shopify_customers.csv")
    assert preview.product == "Shopify customers"
    actions = [r.action for r in preview.rows]
    assert actions == ["create", "create", "create", "refuse"]
    assert "cannot make a customer" in preview.rows[3].problems[0]
    assert "'broken@' is not valid" in preview.rows[3].problems[1]
    assert ("E-mail", "sofia.rossi@example.it") in preview.rows[0].values
    assert _count(services) == 0


def _base(tmp_path: Path) -> Path:
    return _write_csv(
        tmp_path / "base.csv",
        ["First Name,Last Name,Email,Phone,Tags", "Ana,Lima,ana@example.pt,+351912345678,vip",
         "Ben,Ode,ben@example.com,+447911123456,"],
    )  # fmt: skip


def _again(tmp_path: Path) -> Path:
    return _write_csv(
        tmp_path / "again.csv",
        ["First Name,Last Name,Email,Phone,Tags", "Ana,Lima-Costa,ANA@example.pt,,eco",
         "Benjamin,Ode,other@example.com,07911 123456,"],
    )  # fmt: skip


def test_duplicates_skip(services: Services, tmp_path: Path) -> None:
    """skip: rows matching by e-mail, then phone, are left alone."""
    _importer(services).run(_base(tmp_path))
    summary = _importer(services).run(_again(tmp_path), on_duplicate="skip")
    assert (summary.skipped, summary.created) == (2, 0)
    assert services.customers.resolve("ana@example.pt").last_name == "Lima"


def test_duplicates_update(services: Services, tmp_path: Path) -> None:
    """update: matched customers take the file's non-empty values and tags, with history."""
    _importer(services).run(_base(tmp_path))
    summary = _importer(services).run(_again(tmp_path), on_duplicate="update")
    assert (summary.updated, summary.created) == (2, 0)
    ana = services.customers.resolve("ana@example.pt")
    assert ana.last_name == "Lima-Costa" and ana.phone == "+351912345678"
    assert set(ana.tags) == {"vip", "eco"}
    ben = services.customers.resolve("+447911123456")
    assert (ben.first_name, ben.email) == ("Benjamin", "other@example.com")
    fields = {e.field for e in services.history.for_customer(ana.id) if e.action == "update"}
    assert {"last_name", "tags"} <= fields
    assert _count(services) == 2


def test_duplicates_create(services: Services, tmp_path: Path) -> None:
    """create: a shared phone still creates; a taken e-mail is refused (it is the natural key)."""
    _importer(services).run(_base(tmp_path))
    summary = _importer(services).run(_again(tmp_path), on_duplicate="create")
    assert (summary.created, summary.refused) == (1, 1)
    assert "already belongs" in summary.examples[0][1]


def test_repeats_within_file(services: Services, tmp_path: Path) -> None:
    """A customer repeated in one file is created once, the repeat updating it."""
    path = _write_csv(tmp_path / "rep.csv", ["Name,Email,City,Address", "Ana Lima,ana@example.pt,,",
                                             "Ana Lima,ana@example.pt,Porto,Rua 1"])  # fmt: skip
    summary = _importer(services).run(path, on_duplicate="update")
    assert (summary.created, summary.updated) == (1, 1)
    assert _count(services) == 1


def test_dry_run_writes_nothing(services: Services, tmp_path: Path) -> None:
    """--dry-run reports what would happen and writes no row and no file."""
    _importer(services).run(_base(tmp_path))
    before = (_count(services), _count(services, ChangeRecord), _count(services, Address))
    summary = _importer(services).run(
        DATA / "google_contacts.csv", dry_run=True, on_duplicate="update"
    )
    again = _importer(services).run(_again(tmp_path), dry_run=True, on_duplicate="update")
    assert (summary.created, summary.updated, again.updated) == (1, 1, 2)
    assert (_count(services), _count(services, ChangeRecord), _count(services, Address)) == before
    assert summary.refused_file is None
    assert not (DATA / "google_contacts.refused.csv").exists()


def test_bulk_rows_get_search_doc_summary_and_history(services: Services, tmp_path: Path) -> None:
    """Created customers have the search doc refresh() would write, a summary and history."""
    _importer(services).run(
        DATA / "outlook.csv", date_order="dmy", refused_path=tmp_path / "r.refused.csv"
    )
    with services.ctx.write() as session:
        ids = [int(i or 0) for i in session.scalars(select(col(Customer.id)))]
        docs = {r.customer_id: r.doc for r in session.scalars(select(CustomerSearch))}
        assert _n(session, CustomerSummary) == len(ids)
        for cid in ids:
            search_doc.refresh(session, cid)
        session.flush()
        assert {r.customer_id: r.doc for r in session.scalars(select(CustomerSearch))} == docs
        actions = set(session.scalars(select(col(ChangeRecord.action))))
        assert actions == {"create"}
        session.rollback()
    assert services.notes.list(ids[1])[0].body == "Key account"


def _n(session: object, model: type[object]) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_card_numbers_refused_and_masked(services: Services, tmp_path: Path) -> None:
    """A card number in any cell refuses the row and never reaches the refused-rows file."""
    path = _write_csv(tmp_path / "cards.csv", ["Name,Email,Memo", "Ana Lima,ana@example.pt,4111 1111 1111 1111",
                                               "Ben Ode,ben@example.com,ok"])  # fmt: skip
    summary = _importer(services).run(path)
    assert (summary.created, summary.refused) == (1, 1)
    assert summary.refused_file is not None
    text = summary.refused_file.read_text(encoding="utf-8-sig")
    assert "4111" not in text and "card number removed" in text


def test_refused_file_reimports(services: Services, tmp_path: Path) -> None:
    """The refused-rows file, once fixed, imports (its Reason column is ignored)."""
    path = _write_csv(tmp_path / "bad.csv", ["Name,Email,Phone", ",ana@,+351912345678"])
    summary = _importer(services).run(path)
    assert summary.refused_file is not None
    fixed = summary.refused_file.read_text(encoding="utf-8-sig").replace("ana@,", "ana@example.pt,")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    assert _importer(services).run(tmp_path / "fixed.csv").created == 1


@pytest.mark.parametrize("name", ["latin1.csv", "utf16.csv", "utf8_bom.csv"])
def test_encodings(services: Services, tmp_path: Path, name: str) -> None:
    """Latin-1, UTF-16 and UTF-8 with BOM are detected and read right."""
    summary = _importer(services).run(DATA / name, refused_path=tmp_path / "r.refused.csv")
    assert summary.created == 2
    assert services.customers.resolve("francois.lefevre@example.fr").last_name == "Lefèvre"


def test_detect_encoding() -> None:
    """Encoding detection by BOM, NUL pattern and UTF-8 validity."""
    assert detect_encoding("é,a\n".encode()) == "utf-8"
    assert detect_encoding("é,a\n".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("name,a\n".encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding("Müller,€\n".encode("cp1252")) == "cp1252"


def test_binary_and_wrong_types(tmp_path: Path) -> None:
    """Garbage, an old .xls, a ZIP that is not a workbook and an empty file: clear errors."""
    cases = {
        "garbage.csv": bytes(range(256)) * 40,
        "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "empty.csv": b"",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ImportFileError):
            open_source(tmp_path / name)
    with zipfile.ZipFile(tmp_path / "fake.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        open_source(tmp_path / "fake.xlsx")


def test_zip_bomb_refused(tmp_path: Path) -> None:
    """An XLSX expanding far beyond any real sheet is refused before parsing."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="zip bomb"):
        open_source(bomb)


def test_overlong_line_refuses_the_file(services: Services, tmp_path: Path) -> None:
    """A 5 MB line (no export has one) refuses the whole file before a row is written
    (issue 16: a 2 GB line is bad input, one sentence, nothing written)."""
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Name,Email\nAna Lima,ana@example.pt\nBad,")
        handle.write("x" * (5 * 1024 * 1024))
        handle.write("\nBen Ode,ben@example.com\n")
    with pytest.raises(ImportFileError, match="line longer than 4 MB \\(line 3\\)"):
        _importer(services).run(path)
    assert services.customers.count() == 0


def test_file_named_xlsx_holding_csv(services: Services, tmp_path: Path) -> None:
    """A file not what its name claims is read by its content, with a note."""
    path = _write_csv(tmp_path / "list.xlsx", ["Name,Email", "Ana Lima,ana@example.pt"])
    preview = _importer(services).preview(path)
    assert preview.kind == "csv" and preview.notes
    assert _importer(services).run(path).created == 1


def test_kill_midway_then_rerun(db_url: str, tmp_path: Path) -> None:
    """kill -9 during an import leaves whole batches; a re-run with skip completes it once."""
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("First Name,Last Name,Email\n")
        for i in range(10_000):
            handle.write(f"Name{i},Person{i},p{i}@example.com\n")
    script = (
        "import sys\nfrom crm_tui.config import Settings\n"
        "from crm_tui.services.registry import open_services\n"
        "from crm_tui.services.imports.service import ImportService\n"
        "s = open_services(Settings(database_url=sys.argv[1], clerk='t', default_region='GB'))\n"
        "ImportService(s.ctx).run(sys.argv[2], batch=500, progress=lambda p: print('b', flush=True))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, db_url, str(path)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    for _ in range(3):
        proc.stdout.readline()
    proc.kill()
    proc.wait()
    from crm_tui.config import Settings
    from crm_tui.services.registry import open_services

    services = open_services(Settings(database_url=db_url, clerk="t", default_region="GB"))
    try:
        done = _count(services)
        assert 0 < done < 10_000 and done % 500 == 0
        assert _count(services, CustomerSummary) == _count(services, CustomerSearch) == done
        summary = ImportService(services.ctx).run(path, on_duplicate="skip")
        assert (summary.skipped, summary.created) == (done, 10_000 - done)
        assert _count(services) == 10_000
    finally:
        services.close()
    time.sleep(0)


def test_update_of_notes_is_idempotent(services: Services, tmp_path: Path) -> None:
    """Re-running an import with update adds no second copy of a note or address."""
    for _ in range(2):
        _importer(services).run(
            DATA / "outlook.csv",
            on_duplicate="update",
            date_order="dmy",
            refused_path=tmp_path / "r.refused.csv",
        )
    assert _count(services, Note) == 1
    assert _count(services, Address) == 2


def test_reader_streams_in_flat_memory(tmp_path: Path) -> None:
    """A 10 MB CSV is read record by record: traced memory stays a few MB."""
    import tracemalloc

    path = tmp_path / "big.csv"
    line = "Ana,Lima,ana@example.pt,+351912345678,Rua Augusta 10,Lisboa\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("First Name,Last Name,Email,Phone,Street,City\n")
        handle.writelines(line for _ in range(10 * 1024 * 1024 // len(line)))
    tracemalloc.start()
    count = 0
    with open_source(path) as source:
        for record in source.records():
            count += 1 if record.error is None else 0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count > 150_000
    assert peak < 8 * 1024 * 1024


def test_billing_group_by_name(services: Services, tmp_path: Path) -> None:
    """Billing groups are found or created by name, on create and on update."""
    first = _write_csv(
        tmp_path / "a.csv", ["Company,Email,Billing Group", "Acme Ltd,ops@acme.example.com,North"]
    )
    again = _write_csv(
        tmp_path / "b.csv", ["Company,Email,Billing Group", "Acme Ltd,ops@acme.example.com,South"]
    )
    _importer(services).run(first)
    north = services.customers.resolve("ops@acme.example.com").billing_group_id
    assert _importer(services).run(again, on_duplicate="update", dry_run=True).updated == 1
    assert services.customers.resolve("ops@acme.example.com").billing_group_id == north
    assert _importer(services).run(again, on_duplicate="update").updated == 1
    assert services.customers.resolve("ops@acme.example.com").billing_group_id not in (None, north)
