"""Reading an XLSX import file: zip-bomb checks first, then openpyxl read-only streaming."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_tui.services.imports.formats import (
    XLSX_MAX_RATIO,
    XLSX_MAX_UNCOMPRESSED,
    XLSX_RATIO_FLOOR,
    ImportFileError,
    Source,
    SourceRecord,
)


def check_zip(path: Path) -> None:
    """Refuse zip bombs and ZIPs that are not workbooks, before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(f"{path.name} is a damaged ZIP/XLSX file.") from exc
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise ImportFileError(
                f"{path.name} is a ZIP archive but not an Excel workbook (.xlsx)."
            )
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > XLSX_RATIO_FLOOR and ratio > XLSX_MAX_RATIO:
                raise ImportFileError(
                    f"{path.name} expands {ratio:,.0f} times when unpacked ({info.filename}); "
                    "that is a zip bomb, not a spreadsheet, so it was not opened."
                )
        if total > XLSX_MAX_UNCOMPRESSED:
            raise ImportFileError(
                f"{path.name} would unpack to {total / 1024**3:,.1f} GB, over the 1 GB limit; "
                "export it as CSV instead."
            )


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a clerk would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return ooxml_unescape(str(value))


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_unescape(text: str) -> str:
    """Excel's _xHHHH_ escapes (control characters, and _x005F_ for "_") as characters."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def open_xlsx(path: Path, size: int) -> Source:
    check_zip(path)
    import openpyxl
    from openpyxl import xml as openpyxl_xml

    if not openpyxl_xml.DEFUSEDXML:  # installed as a dependency; never parse without it
        raise ImportFileError("XLSX import needs the defusedxml package; reinstall crm-tui.")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise unreadable(path, exc) from exc
    if not book.worksheets:
        book.close()
        raise ImportFileError(f"{path.name} has no worksheets.")
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers: list[str] = []
    number = 0
    try:
        for values in rows:
            number += 1
            headers = [cell_text(v).strip() for v in values]
            if any(headers):
                break
    except Exception as exc:
        book.close()
        raise unreadable(path, exc) from exc
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        book.close()
        raise ImportFileError(f"{path.name} has no header row in its first sheet.")
    total = sheet.max_row or 0
    done = [number]
    source = Source(path, "xlsx", None, headers, size, _handle=book)
    source._position = lambda: done[0] / total if total else 0.0
    source._records = _xlsx_records(rows, done, len(headers))
    return source


def unreadable(path: Path, exc: BaseException) -> ImportFileError:
    """One sentence for a workbook openpyxl cannot read: XML entity tricks (defusedxml
    refuses them) said as such; otherwise the cause's first line, not its advice."""
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__module__.startswith("defusedxml"):
            return ImportFileError(
                f"{path.name} declares XML entities or a DTD, a way to blow up memory when it "
                "is read; a real workbook has none, so it was not opened."
            )
        cause = cause.__cause__ or cause.__context__
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
    return ImportFileError(f"{path.name} is not a readable XLSX workbook ({first}).")


def _xlsx_records(
    rows: Iterator[tuple[Any, ...]], done: list[int], width: int
) -> Iterator[SourceRecord]:
    for values in rows:
        done[0] += 1
        cells = [cell_text(v) for v in values[:width]]
        if not any(c.strip() for c in cells):
            continue
        yield SourceRecord(done[0], (cells + [""] * width)[:width])
