"""Large workbooks are read by python-calamine, small ones by openpyxl: the same records."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.imports import xlsx
from crm_tui.services.imports.formats import ImportFileError, SourceRecord, open_source
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services


def _workbook(path: Path, rows: int = 40) -> Path:
    """A real workbook as openpyxl writes it: headers from C3, a gap row, hostile cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    headers = [
        "Name",
        "Email",
        "Phone",
        "Birthday",
        "Seen",
        "Points",
        "Ratio",
        "VIP",
        "Note",
        "Time",
    ]
    for offset, header in enumerate(headers):
        sheet.cell(row=3, column=3 + offset, value=header)
    for n in range(rows):
        values: list[object] = [
            f"Zoë _x0041_ Müller {n}", f"z{n}@example.com", 447400000000 + n,
            date(1980, 1, 1 + n % 28), datetime(2024, 5, 6, 7, 8, 9), n * 1000,
            n / 8, n % 2 == 0, "a_x005F_x0041_b\nline two" if n % 3 else None, time(10, 30),
        ]  # fmt: skip
        for offset, value in enumerate(values):
            sheet.cell(row=4 + n + (n >= 10), column=3 + offset, value=value)
    sheet.cell(row=4 + rows + 3, column=2, value="outside the headers")
    book.save(path)
    return path


def _read(
    path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[SourceRecord]]:
    monkeypatch.setattr(xlsx, "FAST_FROM_BYTES", 0 if fast else 10**12)
    with open_source(path) as source:
        kind = type(source._handle).__name__
        assert (kind == "CalamineWorkbook") == fast, kind
        return source.headers, list(source.records())


def test_both_readers_give_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "people.xlsx")
    slow = _read(path, False, monkeypatch)
    fast = _read(path, True, monkeypatch)
    assert fast == slow
    headers, records = fast
    assert headers[:3] == ["", "", "Name"] and len(records) == 41
    first = records[0]
    assert first.number == 4
    assert first.cells[2:12] == ["Zoë A Müller 0", "z0@example.com", "447400000000", "1980-01-01",
                                 "2024-05-06T07:08:09", "0", "0", "yes", "", "10:30:00"]  # fmt: skip
    assert records[1].cells[10] == "a_x0041_b\nline two"
    assert records[10].number == 15  # after the gap row


def test_a_large_workbook_imports_through_calamine(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "people.xlsx", rows=300)
    monkeypatch.setattr(xlsx, "FAST_FROM_BYTES", 0)
    summary = ImportService(services.ctx).run(path, refused_path=tmp_path / "refused.csv")
    # The cell left of the headers makes a row with no mapped value, as with openpyxl.
    assert summary.created == 300 and summary.refused == 1
    with services.ctx.read() as session:
        found = session.scalars(select(Customer).where(col(Customer.email) == "z17@example.com"))
        assert [(c.first_name, c.last_name, c.phone, c.date_of_birth) for c in found] == [
            ("Zoë", "A Müller 17", "+447400000017", date(1980, 1, 18))
        ]


def test_calamine_refuses_declared_entities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "laughs.xlsx"
    with (
        zipfile.ZipFile(_workbook(tmp_path / "ok.xlsx")) as good,
        zipfile.ZipFile(path, "w") as bad,
    ):
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">]>' + data
            bad.writestr(info, data)
    monkeypatch.setattr(xlsx, "FAST_FROM_BYTES", 0)
    with pytest.raises(ImportFileError, match="declares XML entities"):
        open_source(path)
