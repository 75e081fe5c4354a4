"""What an import writes beside its file: refused rows, and values not imported.

Both are CSV files written privately (0600) and put in place only when the
run ends normally: a run that fails or is interrupted leaves any earlier
file of that name as it was. Cells a spreadsheet would run are
neutralised and card numbers masked.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import Any

from crm_tui.services.card_numbers import mask_card_numbers
from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.cells import neutralise
from crm_tui.services.private_files import check_target, private_output


class _NothingWritten(Exception):
    """Ends an output's temp file without putting it in place."""


class CsvOutput:
    """A CSV file written row by row; put in place only if a row was written.

    A context manager. The private temp file is made on entry, so a folder
    that cannot be written stops the import before any row is saved; with
    no row added, or a run that fails or is interrupted, it is removed and
    any earlier file of that name stays as it was. With no `path` (a dry
    run) rows are only counted.
    """

    def __init__(self, path: Path | None, headers: list[str]) -> None:
        self.path = path
        self.headers = headers
        self.rows = 0
        self.writer: Any = None
        self._output = contextlib.ExitStack()

    def __enter__(self) -> CsvOutput:
        if self.path is not None:
            partial = self._output.enter_context(private_output(self.path, overwrite=True))
            handle = self._output.enter_context(
                partial.open("w", newline="", encoding="utf-8-sig", errors="replace")
            )
            self.writer = csv.writer(handle)
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        if exc_info[0] is None and self.rows == 0:
            with contextlib.suppress(_NothingWritten):
                self._output.__exit__(_NothingWritten, _NothingWritten(), None)
            return False
        return bool(self._output.__exit__(*exc_info))

    def add(self, cells: list[str]) -> None:
        self.rows += 1
        if self.writer is None:
            return
        if self.rows == 1:
            self.writer.writerow([neutralise(c) for c in self.headers])
        cells = (cells + [""] * len(self.headers))[: len(self.headers)]
        self.writer.writerow([neutralise(mask_card_numbers(c)) for c in cells])


def refused_rows(path: Path | None, headers: list[str]) -> CsvOutput:
    """The refused rows as they were, with the reason in a last column."""
    return CsvOutput(path, [*headers, "Reason"])


def values_not_imported(path: Path | None) -> CsvOutput:
    """One line per value left out of an imported row: row, column, value, reason."""
    return CsvOutput(path, ["Row", "Column", "Value", "Reason"])


def check_output_path(path: Path, source: Path, what: str) -> None:
    """Refuse an output path that is the input itself or cannot be written."""
    if path.resolve() == source.resolve() or (path.exists() and path.samefile(source)):
        raise ValidationError(
            "refused_path", f"{path} is the file being imported; give the {what} another name."
        )
    check_target(path, overwrite=True)


def refused_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.refused.csv")


def values_path_for(refused: Path) -> Path:
    """Beside the refused rows: contacts.refused.csv -> contacts.not-imported.csv."""
    stem = refused.stem.removesuffix(".refused")
    return refused.with_name(f"{stem}.not-imported.csv")
