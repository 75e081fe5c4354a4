"""Export on both engines: formats, formula neutralising, round trip, person data."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import vobject
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import SQLModel, col

from crm_tui.config import Settings
from crm_tui.models import Address
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.customers.rules import EDITABLE_FIELDS
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.cells import neutralise
from crm_tui.services.exports.person import person_data
from crm_tui.services.exports.service import (
    ExportSelection,
    ExportService,
    ExportTarget,
    format_for,
)
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services, open_services


def _hostile(services: Services) -> int:
    customer = services.customers.create(
        CustomerCreate(first_name="=HYPERLINK(\"http://x\")", last_name="@SUM(A1)", email="eve@example.com", phone="+447911123456", segment="-2+3", owner="+cmd", loyalty_points=7, tags=["=evil"]),
    )  # fmt: skip
    return customer.id


def test_neutralise_rules() -> None:
    """Formula starts get an apostrophe; plain numbers and other text do not."""
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("+447911123456") == "+447911123456"
    assert neutralise("-12.50") == "-12.50"
    assert neutralise("Ana") == "Ana"
    assert neutralise("'=x") == "''=x"


def test_csv_neutralises_formulas_keeps_phones(services: Services, tmp_path: Path) -> None:
    """CSV cells that would run are neutralised; the phone stays importable as is."""
    _hostile(services)
    ExportService(services.ctx).export(tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["First name"] == '\'=HYPERLINK("http://x")'
    assert row["Last name"] == "'@SUM(A1)"
    assert row["Segment"] == "'-2+3" and row["Owner"] == "'+cmd" and row["Tags"] == "'=evil"
    assert row["Phone"] == "+447911123456"
    assert row["Lifetime value"] == "0.00"


def test_xlsx_numeric_amounts_and_text_cells(services: Services, tmp_path: Path) -> None:
    """XLSX amounts are numeric cells; formula-like text is stored as neutralised text."""
    _hostile(services)
    ExportService(services.ctx).export(tmp_path / "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["First name"].data_type == "s" and str(row["First name"].value).startswith("'=")
    assert row["Lifetime value"].data_type == "n" and row["Loyalty points"].value == 7
    assert row["Phone"].value == "+447911123456"


def test_vcard_and_json(services: Services, tmp_path: Path) -> None:
    """vCard and JSON exports parse back with the customer's details."""
    _hostile(services)
    service = ExportService(services.ctx)
    service.export(tmp_path / "out.vcf")
    card = vobject.readOne((tmp_path / "out.vcf").read_text(encoding="utf-8"))
    assert card.email.value == "eve@example.com" and card.tel.value == "+447911123456"
    service.export(tmp_path / "out.json")
    (record,) = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert record["email"] == "eve@example.com" and record["lifetime_value"] == "0.00"


def test_selection_by_query_and_ids(services: Services, tmp_path: Path) -> None:
    """A search or a list of marked ids narrows the export; merged customers are left out."""
    eve = _hostile(services)
    bob = services.customers.create(
        CustomerCreate(first_name="Bob", last_name="Stone", email="bob@example.com")
    ).id
    service = ExportService(services.ctx)
    assert service.export(tmp_path / "a.csv", selection=ExportSelection(query="stone")).rows == 1
    assert service.export(tmp_path / "b.csv", selection=ExportSelection(ids=(eve, 999))).rows == 1
    assert service.export(tmp_path / "c.csv", selection=ExportSelection(ids=(eve, bob))).rows == 2
    with pytest.raises(ValidationError, match="already exists"):
        service.export(tmp_path / "c.csv")


def test_format_from_the_name_or_the_choice(tmp_path: Path) -> None:
    """The choice wins over an unknown suffix, the suffix over nothing; a contradiction is refused."""
    assert format_for(tmp_path / "a.XLSX", None) == "xlsx"
    assert format_for(tmp_path / "a.vcard", None) == "vcf"
    assert format_for(tmp_path / "a.txt", None) == "csv"
    assert format_for(tmp_path / "customers", "xlsx") == "xlsx"
    assert format_for(tmp_path / "a.xlsx", "XLSX") == "xlsx"
    with pytest.raises(ValidationError, match=r"a\.csv names a CSV file; end the name with \.xlsx"):
        format_for(tmp_path / "a.csv", "xlsx")
    with pytest.raises(ValidationError, match="unknown"):
        format_for(tmp_path / "a", "pdf")


def test_target_checks_before_writing(services: Services, tmp_path: Path) -> None:
    """A typed name is checked (empty, missing folder, taken) before any row is read."""
    exports = services.exports
    assert exports.target(f" {tmp_path}/new.json ") == ExportTarget(tmp_path / "new.json", "json")
    (tmp_path / "taken.csv").write_text("x", encoding="utf-8")
    for text, words in (
        ("  ", "Type a file name"),
        (str(tmp_path / "taken.csv"), "already exists"),
        (str(tmp_path / "nowhere" / "a.csv"), "does not exist"),
    ):
        with pytest.raises(ValidationError, match=words):
            exports.target(text)
    assert not list(tmp_path.glob("*.json"))


def test_batches_are_bounded(demo_services: Services) -> None:
    """Rows stream in keyset batches of the size asked, never all at once."""
    service = ExportService(demo_services.ctx)
    with demo_services.ctx.read() as session:
        sizes = [len(b) for b in service.batches(session, ExportSelection(), 25)]
    assert sizes == [25, 25, 10]


def _snapshot(services: Services) -> list[dict[str, Any]]:
    out = []
    with services.ctx.read() as session:
        addresses = {
            a.customer_id: (a.line1, a.city, a.postal_code, a.country)
            for a in session.scalars(select(Address).where(col(Address.is_default_billing)))
        }
    for number in range(1, services.customers.count() + 1):
        customer = services.customers.get(number)
        if customer.status == "merged":
            continue
        values = {f: getattr(customer, f) for f in EDITABLE_FIELDS if f != "billing_group_id"}
        values["tags"] = sorted(customer.tags)
        values["address"] = addresses.get(customer.id)
        out.append(values)
    return sorted(out, key=lambda v: str(v["email"]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip(services: Services, tmp_path: Path, sqlite_template: Path, fmt: str) -> None:
    """Export, then import into an empty database: the same customers come back."""
    _hostile(services)  # first: the demo builder writes explicit ids
    DemoBuilder(services.ctx, seed=11, as_of=date(2026, 1, 15)).run(80)
    ExportService(services.ctx).export(tmp_path / f"all.{fmt}")
    shutil.copy(sqlite_template, tmp_path / "empty.sqlite3")
    other = open_services(
        Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}", clerk="t")
    )
    try:
        summary = ImportService(other.ctx).run(tmp_path / f"all.{fmt}")
        assert summary.refused == 0, summary.examples
        assert summary.product == "crm-tui export"
        assert _snapshot(other) == _snapshot(services)
    finally:
        other.close()


def test_person_export_covers_every_table(services: Services) -> None:
    """The data-protection export holds every table that points at customers."""
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15)).run(5)
    data = person_data(services.ctx, 1)
    referencing = {
        t.name
        for t in SQLModel.metadata.sorted_tables
        for fk in t.foreign_keys
        if fk.column.table.name == "customer" and t.name != "customer"
    }
    assert referencing <= set(data["related"])
    assert "order_item" in data["related"]
    assert data["customer"]["id"] == 1 and "email_key" not in data["customer"]
    json.dumps(data)


def test_selection_by_list_filters(services: Services, tmp_path: Path) -> None:
    """The list's filters (here: businesses only) narrow the export like a search does."""
    from crm_tui.services.search import SearchFilters

    _hostile(services)
    services.customers.create(CustomerCreate(kind="business", company_name="Acme Ltd"))
    selection = ExportSelection(filters=SearchFilters(kind="business"))
    assert ExportService(services.ctx).export(tmp_path / "b.csv", selection=selection).rows == 1
