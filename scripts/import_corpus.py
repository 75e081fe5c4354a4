"""How much of each real export file an import keeps (tests/data/real).

    python scripts/import_corpus.py [FOLDER]

Each file is imported into its own empty SQLite database (in a temporary
folder, so nothing is written beside the files). Printed per file:

- rows imported / rows that carry a name (or company) and an e-mail or a
  phone, as the file has them before any rule is applied; beside them the
  rows skipped (the same customer twice in the file) and refused;
- values kept / values in the file: every non-empty cell (label columns
  left out, and what a product writes for "nothing", such as Outlook's
  0/0/00) and every vCard property, against those that ended up in a field
  or custom field of an imported customer; and how many of the rest the
  import lists by column as not imported (kept + listed = in file when
  nothing is dropped unseen).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crm_tui.config import Settings
from crm_tui.services.imports.formats import open_source
from crm_tui.services.imports.mapping import pick, recognise
from crm_tui.services.imports.service import DateOrderNeeded, ImportService
from crm_tui.services.imports.summary import ImportSummary
from crm_tui.services.registry import open_services

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
NAMES = ("full_name", "first_name", "last_name", "company_name")
REACH = ("email", "phone")


@dataclass(frozen=True)
class Figures:
    """One file's outcome."""

    name: str
    imported: int
    reachable: int
    skipped: int
    refused: int
    kept: int
    listed: int
    values: int


def reachable_rows(path: Path) -> int:
    """Rows with a name or company and an e-mail or phone, as written in the file."""
    count = 0
    with open_source(path) as source:
        mapping = recognise(source.headers)
        for record in source.records():
            values = pick(mapping, record.cells).values if not record.error else {}
            if any(values.get(k) for k in NAMES) and any(values.get(k) for k in REACH):
                count += 1
    return count


def import_one(path: Path, work: Path) -> ImportSummary:
    copy = work / path.name
    shutil.copy(path, copy)
    settings = Settings(database_url=f"sqlite:///{work / 'crm.sqlite3'}", clerk="corpus")
    services = open_services(settings)
    try:
        try:
            return ImportService(services.ctx).run(copy)
        except DateOrderNeeded:  # none of the corpus does; a plain run would ask
            return ImportService(services.ctx).run(copy, date_order="dmy")
    finally:
        services.close()


def measure(path: Path) -> Figures:
    with tempfile.TemporaryDirectory() as work:
        summary = import_one(path, Path(work))
    imported = summary.created + summary.updated + summary.unchanged
    return Figures(path.name, imported, reachable_rows(path), summary.skipped, summary.refused,
                   summary.values_kept, sum(summary.not_imported.values()), summary.values)  # fmt: skip


def main(folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".txt", ".vcf", ".xlsx"))
    rows = [measure(p) for p in files]
    total = Figures("all", *(sum(getattr(r, f) for r in rows) for f in (
        "imported", "reachable", "skipped", "refused", "kept", "listed", "values")))  # fmt: skip
    width = max(len(r.name) for r in rows)
    print(f"{'file':<{width}}  imported/name+reach  skipped refused  kept/in file  listed")
    for r in [*rows, total]:
        print(f"{r.name:<{width}}  {r.imported:>8}/{r.reachable:<10} {r.skipped:>7} {r.refused:>7}"
              f"  {r.kept:>5}/{r.values:<7} {r.listed:>6}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
