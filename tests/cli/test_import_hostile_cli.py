"""`crm import` of files that are not what they claim: one sentence, exit 2, nothing written."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from crm_tui.cli.main import cli
from crm_tui.config import Settings
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
    "long-line.csv": (_long_line, "header line cannot be read"),
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


@pytest.mark.slow
def test_two_gigabyte_line_is_refused(sqlite_settings: Settings, tmp_path: Path) -> None:
    """A 2 GB line is read in 4 MB slices, never whole, and refused in one sentence."""
    folder = tmp_path / "in"
    folder.mkdir()
    _long_line(folder / "huge.csv", size=2 * 1024**3)
    _assert_refused(sqlite_settings, folder / "huge.csv", "header line cannot be read")


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
