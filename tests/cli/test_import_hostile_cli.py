"""`crm import` of files that are not what they claim: one sentence, exit 2, nothing written."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.imports import formats
from crm_tui.services.imports.line_scan import first_long_line
from crm_tui.services.registry import open_services


def _pdf_named_xlsx(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")


def _zip_named_csv(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")


def _nul_bytes(path: Path) -> None:
    path.write_bytes(b"Name,Email\nAna,ana@example.pt\n" + b"\x00" * 70_000)


def _zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (300 * 1024 * 1024))


def _entities(path: Path) -> None:
    """A workbook whose sheet declares nested XML entities (the "billion laughs")."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    main = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{main}/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{main}/package/2006/relationships">'
        f'<Relationship Id="r1" Type="{main}/officeDocument/2006/relationships/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}/spreadsheetml/2006/main" '
        f'xmlns:r="{main}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{main}/package/2006/relationships">'
        f'<Relationship Id="r1" Type="{main}/officeDocument/2006/relationships/worksheet"'
        ' Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">'
        f'{laughs}]><worksheet xmlns="{main}/spreadsheetml/2006/main"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def _long_data_line(path: Path) -> None:
    """A good header and row, then a 5 MB line, then another good row."""
    path.write_bytes(b"Name,Email\nAna,ana@example.pt\nBo," + b"x" * (5 * 1024 * 1024)
                     + b"\nCy,cy@example.pt\n")  # fmt: skip


def _ebcdic(path: Path) -> None:
    path.write_bytes("Name,Email\nAna Lima,ana@example.pt\n".encode("cp500"))


def _false_bom(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 64)


def _long_line(path: Path, size: int = 9 * 1024 * 1024) -> None:
    with path.open("wb") as handle:
        handle.write(b"Name,Email,")
        chunk = b"x" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            handle.write(chunk)
        handle.write(b"\nAna,ana@example.pt\n")


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "contacts.xlsx": (_pdf_named_xlsx, "is a PDF document"),
    "contacts.csv": (_zip_named_csv, "not an Excel workbook"),
    "nul.csv": (_nul_bytes, "holds binary data"),
    "bomb.xlsx": (_zip_bomb, "zip bomb"),
    "ebcdic.csv": (_ebcdic, "encoding that cannot be recognised"),
    "false-bom.csv": (_false_bom, "encoding that cannot be recognised"),
    "long-line.csv": (_long_line, "has a line longer than 4 MB (line 1)"),
    "long-data-line.csv": (_long_data_line, "has a line longer than 4 MB (line 3)"),
    "entities.xlsx": (_entities, "declares XML entities"),
}


def _assert_refused(settings: Settings, path: Path, expected: str) -> None:
    before = set(path.parent.iterdir())
    result = CliRunner().invoke(cli, ["--db", settings.database_url, "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert set(path.parent.iterdir()) == before  # no refused-rows or not-imported file
    services = open_services(settings)
    try:
        assert services.customers.count() == 0
    finally:
        services.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_refused_whole(
    sqlite_settings: Settings, tmp_path: Path, name: str
) -> None:
    """Each file that is not an export it claims to be is refused in one sentence, exit 2."""
    make, expected = CASES[name]
    folder = tmp_path / "in"
    folder.mkdir()
    make(folder / name)
    _assert_refused(sqlite_settings, folder / name, expected)


class _Generated(io.RawIOBase):
    """`size` bytes of one line ("Name,Email," then x's), made as they are read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_so_far = 0
        self.xs = b"x" * (1024 * 1024)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left, len(self.xs))
        chunk = self.xs[:count] if self.read_so_far else (b"Name,Email," + self.xs)[:count]
        buffer[:count] = chunk
        self.left -= count
        self.read_so_far += count
        return count


def test_two_gigabyte_line_is_found_in_flat_memory() -> None:
    """A 2 GB line (a stream made as it is read, nothing written) is found by the scan
    every CSV import runs first, within its first 4 MB and in memory bounded by the
    1 MB chunks it reads, not by the line."""
    stream = _Generated(2 * 1024**3)
    tracemalloc.start()
    try:
        assert first_long_line(io.BufferedReader(stream), formats.MAX_LINE_CHARS) == 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stream.read_so_far <= formats.MAX_LINE_CHARS + 2 * 1024 * 1024
    assert peak < 8 * 1024 * 1024


def test_a_line_over_a_small_limit_refuses_the_file(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rule with the limit at 64 KB: a 1 MB third line refuses the whole file,
    exit 2, nothing written (the 2 GB case without 2 GB on disk)."""
    monkeypatch.setattr(formats, "MAX_LINE_CHARS", 64 * 1024)
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "people.csv"
    path.write_bytes(b"Name,Email\nAna,ana@example.pt\nBo," + b"x" * 1024**2 + b"\n")
    _assert_refused(sqlite_settings, path, "has a line longer than 65,536 bytes (line 3)")


def test_ambiguous_dates_refuse_to_start(sqlite_settings: Settings, tmp_path: Path) -> None:
    """Dates that read both ways stop the import before a row is written, naming the option."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "dates.csv"
    path.write_text("Name,Email,Birthday\nAna,ana@example.pt,03/04/1985\n", encoding="utf-8")
    _assert_refused(sqlite_settings, path, "--date-order dmy|mdy|ymd")
    result = CliRunner().invoke(
        cli, ["--db", sqlite_settings.database_url, "import", str(path), "--date-order", "dmy"]
    )
    assert result.exit_code == 0, result.output
    assert "created           1" in result.stdout
