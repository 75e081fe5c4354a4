"""A file to start an import from: every column import reads, with one example row.

`crm import --template csv|xlsx FILE` (and the import screen) writes it.
The headers are the names crm-tui's own export uses, so the file maps with
no mapping work, and the example row passes every rule, so the file imports
as it is; a column named like none of them (here "Locker") is kept as a
custom field.
"""

from __future__ import annotations

import csv
from pathlib import Path

from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.cells import neutralise
from crm_tui.services.private_files import private_output

TEMPLATE_FORMATS = ("csv", "xlsx")
# (header, example): one of each field import fills, then more ways to reach the
# customer, a second address and a custom field.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Kind", "business"), ("Status", "active"), ("First name", "Ana"), ("Last name", "Lima"),
    ("Company", "Lima Trading Lda"), ("E-mail", "ana@lima-trading.example.pt"),
    ("Phone", "+351 212 345 678"), ("Date of birth", "1985-04-12"),
    ("Registration number", "PT-514 000 001"), ("VAT id", "PT123456789"),
    ("Business type", "Limited company"), ("Industry", "Wholesale"),
    ("Website", "lima-trading.example.pt"), ("Payment terms", "Net 30"),
    ("Billing group", "Lima group"), ("Segment", "Wholesale"), ("Loyalty points", "120"),
    ("Language", "pt"), ("Currency", "EUR"), ("Contact channels", "email,phone"),
    ("Owner", "Maria"), ("Tags", "wholesale, newsletter"), ("Note", "Prefers calls after 2 pm."),
    ("Address line 1", "Rua Augusta 100"), ("Address line 2", "2.º andar"),
    ("City", "Lisboa"), ("Region", "Lisboa"), ("Postal code", "1100-053"), ("Country", "PT"),
    ("E-mail 2 - Label", "home"), ("E-mail 2 - Value", "ana.lima@example.pt"),
    ("Phone 2 - Label", "mobile"), ("Phone 2 - Value", "+351 912 345 678"),
    ("Website 2 - Label", "other"), ("Website 2 - Value", "shop.lima-trading.example.pt"),
    ("Address 2 - Street", "Avenida da Boavista 200"), ("Address 2 - City", "Porto"),
    ("Address 2 - Postal Code", "4100-119"), ("Address 2 - Country", "Portugal"),
    ("Locker", "B-17"),
)  # fmt: skip


def write_template(path: Path, fmt: str, *, overwrite: bool = False) -> Path:
    """Write the template as CSV or XLSX, privately and whole (see private_output)."""
    if fmt not in TEMPLATE_FORMATS:
        raise ValidationError(
            "template", f"The template format {fmt!r} is unknown; use csv or xlsx."
        )
    headers = [h for h, _ in COLUMNS]
    example = [v for _, v in COLUMNS]
    with private_output(path, overwrite=overwrite) as partial:
        if fmt == "csv":
            with partial.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                writer.writerow([neutralise(v) for v in example])
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("Customers")
            sheet.append(headers)
            sheet.append(example)
            book.save(partial)
    return path
