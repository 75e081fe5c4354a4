"""A report written as CSV, XLSX or JSON, privately, with the exports' cell rules.

Text cells go through the same neutralising as customer exports (no cell a
spreadsheet would run as a formula); numbers stay numbers in XLSX and JSON.
"""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.cells import cell_text, neutralise, ooxml_escape
from crm_tui.services.invoices.reports import Report
from crm_tui.services.private_files import check_target, private_output
from crm_tui.text import literal

REPORT_FORMATS = ("csv", "xlsx", "json")


def report_json(report: Report) -> str:
    records = [
        {
            h: (str(v) if isinstance(v, Decimal) else v)
            for h, v in zip(report.headers, row, strict=True)
        }
        for row in report.rows
    ]
    return json.dumps(records, default=cell_text, ensure_ascii=True, indent=2) + "\n"


def report_csv(report: Report, *, terminal: bool = False) -> str:
    """CSV text; for a terminal, stored text has its control characters escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report.headers)
    for row in report.rows:
        cells = [_text_cell(v, i in report.numeric) for i, v in enumerate(row)]
        writer.writerow([literal(c) for c in cells] if terminal else cells)
    return out.getvalue()


def report_target(path: str, fmt: str) -> tuple[Path, str]:
    """A typed file name checked before writing: its format (from the name's ending, else
    `fmt`), its folder, and nothing overwritten."""
    if not path.strip():
        raise ValidationError("path", "Type a file name.")
    target = Path(os.path.abspath(Path(path.strip()).expanduser()))
    ending = target.suffix.lower().lstrip(".")
    if ending and ending not in REPORT_FORMATS:
        raise ValidationError(
            "path", f"A report is written as .csv, .xlsx or .json, not as .{ending}."
        )
    check_target(target, overwrite=False)
    return target, ending or fmt


def write_report(report: Report, fmt: str, target: Path, *, overwrite: bool = False) -> None:
    if fmt not in REPORT_FORMATS:
        raise ValidationError("format", f"The format {fmt!r} is unknown; use csv, xlsx or json.")
    with private_output(target, overwrite=overwrite) as partial:
        if fmt == "xlsx":
            _write_xlsx(report, partial)
        elif fmt == "json":
            partial.write_text(report_json(report), encoding="utf-8")
        else:  # a BOM so spreadsheets read accents right, as the customer export does
            partial.write_text(report_csv(report), encoding="utf-8-sig", newline="")


def _text_cell(value: Any, numeric: bool) -> str:
    text = cell_text(value)
    return text if numeric else neutralise(text)


def _write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet(report.title)
    sheet.append(list(report.headers))
    for row in report.rows:
        sheet.append([
            v if i in report.numeric else (ooxml_escape(neutralise(cell_text(v))) or None)
            for i, v in enumerate(row)
        ])  # fmt: skip
    book.save(path)
