"""One writer per export format; each takes batches of rows keyed like COLUMNS (and `layout`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TextIO

from crm_tui.services.exports.cells import (
    COLUMNS,
    NUMERIC_KEYS,
    cell_text,
    neutralise,
    ooxml_escape,
)
from crm_tui.services.exports.layout import Layout

XLSX_MAX_ROWS = 1_048_575  # per sheet, after the header row


def _csv_text(value: Any) -> str:
    return "" if value is None else neutralise(cell_text(value))


def csv_texts(layout: Layout, row: dict[str, Any]) -> list[str]:
    """A row's cells as a CSV export writes them."""
    return layout.texts(row, _csv_text)


class CsvWriter:
    def __init__(self, path: Path, layout: Layout) -> None:
        # A BOM so spreadsheets read accents right; our import expects it.
        self.handle: TextIO = path.open("w", newline="", encoding="utf-8-sig")
        self.layout = layout
        self.writer = csv.writer(self.handle)
        self.writer.writerow(layout.headers())

    def write(self, rows: list[dict[str, Any]] | str | bytes) -> None:
        """Rows as dicts, or lines csv.writer already wrote (exports.fast_csv), as text or
        encoded (exports.second_process)."""
        if isinstance(rows, str):
            self.handle.write(rows)
        elif isinstance(rows, bytes):
            self.handle.flush()
            self.handle.buffer.write(rows)
        else:
            self.writer.writerows(self.texts(row) for row in rows)

    def texts(self, row: dict[str, Any]) -> list[str]:
        """A row's cells as this file writes them."""
        return csv_texts(self.layout, row)

    def close(self) -> None:
        self.handle.close()


class _XlsxWriter:
    def __init__(self, path: Path, layout: Layout) -> None:
        from openpyxl import Workbook

        self.path = path
        self.layout = layout
        self.book = Workbook(write_only=True)
        self.sheet: Any = None
        self.rows_on_sheet = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        number = len(self.book.worksheets) + 1
        self.sheet = self.book.create_sheet("Customers" if number == 1 else f"Customers {number}")
        self.sheet.append(self.layout.headers())
        self.rows_on_sheet = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if self.rows_on_sheet >= XLSX_MAX_ROWS:
                self._new_sheet()
            cells: list[Any] = []
            for key, value in self.layout.cells(row):
                if key in NUMERIC_KEYS and value is not None:
                    cells.append(value)  # a numeric cell (Decimal or int)
                else:
                    cells.append(ooxml_escape(neutralise(cell_text(value))) or None)
            self.sheet.append(cells)
            self.rows_on_sheet += 1

    def close(self) -> None:
        self.book.save(self.path)


class _VcfWriter:
    def __init__(self, path: Path, _layout: Layout) -> None:
        self.handle: IO[str] = path.open("w", newline="", encoding="utf-8")

    def write(self, rows: list[dict[str, Any]]) -> None:
        from crm_tui.services.exports.vcard import vcard_text

        for row in rows:
            self.handle.write(vcard_text(row))

    def close(self) -> None:
        self.handle.close()


class _JsonWriter:
    """Each customer as an object: the fixed columns, then its e-mails, phones and web
    addresses, addresses, notes and custom fields as lists and an object."""

    def __init__(self, path: Path, _layout: Layout) -> None:
        self.handle: IO[str] = path.open("w", encoding="utf-8")
        self.handle.write("[")
        self.first = True

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            record = {k: row[k] for _h, k in COLUMNS}
            record["contact_points"] = [
                {"kind": kind, "value": value, "label": label, "primary": number == 0}
                for kind, found in row["points"].items()
                for number, (value, label) in enumerate(found)
                if value is not None  # no primary of this kind (see children.points)
            ]
            record.update(addresses=row["addresses"], notes=row["notes"], custom=row["custom"])
            self.handle.write(
                ("\n" if self.first else ",\n")
                + json.dumps(record, default=cell_text, ensure_ascii=False)
            )
            self.first = False

    def close(self) -> None:
        self.handle.write("\n]\n")
        self.handle.close()


WRITERS: dict[str, Callable[[Path, Layout], Any]] = {
    "csv": CsvWriter, "xlsx": _XlsxWriter, "vcf": _VcfWriter, "json": _JsonWriter,
}  # fmt: skip
