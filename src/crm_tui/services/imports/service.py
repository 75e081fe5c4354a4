"""Importing customers from CSV, XLSX and vCard files.

    with services.imports.preview(path) as preview: ...   # mapping + first rows
    summary = services.imports.run(path, on_duplicate="update")

Files are streamed (formats), columns mapped (mapping), each
row cleaned by the customer rules (rows), and rows saved a batch per
transaction (batch): a crash or kill -9 leaves whole batches, and a
re-run with skip or update finds what was saved (by e-mail, then phone) and
completes the file without duplicates. One bad row never stops the import:
it is refused with its reason, counted, and written with the reason to a
refused-rows CSV that can be fixed and imported again. Card numbers found in
any cell refuse the row and are masked in the refused-rows file. A dry run
plans every row the same way inside read transactions and writes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from crm_tui.services.card_numbers import mask_card_numbers
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.cells import neutralise
from crm_tui.services.history import as_text
from crm_tui.services.imports.batch import BatchImporter, Outcome
from crm_tui.services.imports.csv_quotes import accepts
from crm_tui.services.imports.formats import (
    ImportFileError,
    Source,
    SourceRecord,
    encoding_label,
    open_source,
)
from crm_tui.services.imports.mapping import TARGETS, Mapping, apply_overrides, pick, recognise
from crm_tui.services.imports.rows import PreparedRow, prepare
from crm_tui.services.private_files import check_target, private_output

DUPLICATE_MODES = ("skip", "update", "create")
BATCH = 1_000
EXAMPLES = 50

__all__ = ["DUPLICATE_MODES", "ImportFileError", "ImportService", "ImportSummary", "ImportPreview"]


@dataclass(frozen=True)
class PreviewRow:
    """One row as it will be saved, with what will happen and its problems."""

    number: int
    action: str  # create | update | unchanged | skip | refuse
    values: tuple[tuple[str, str], ...]  # (field label, value shown)
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    match: str


@dataclass(frozen=True)
class ImportPreview:
    """What the file is, how its columns map, and its first rows planned."""

    path: Path
    kind: str
    encoding: str
    product: str
    headers: tuple[str, ...]
    mapping: Mapping
    rows: tuple[PreviewRow, ...]
    notes: tuple[str, ...]


@dataclass
class ImportSummary:
    """The outcome of an import (or a dry run)."""

    path: Path
    mode: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)
    refused_file: Path | None = None
    seconds: float = 0.0
    cancelled: bool = False
    product: str = ""
    encoding: str = ""
    # A quote that swallowed the rest of a CSV: its line and why; nothing after it was read.
    halted_at: int | None = None
    halt_reason: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def count(self, outcome: Outcome) -> None:
        self.rows += 1
        match outcome.action:
            case "create":
                self.created += 1
            case "update":
                self.updated += 1
            case "unchanged":
                self.unchanged += 1
            case "skip":
                self.skipped += 1
            case _:
                self.refused += 1
                self.reasons[reason_kind(outcome.reason)] += 1
                if len(self.examples) < EXAMPLES:
                    self.examples.append((outcome.row.number, outcome.reason))


@dataclass(frozen=True)
class ImportProgress:
    """Sent after each batch."""

    fraction: float
    summary: ImportSummary


def reason_kind(reason: str) -> str:
    """'The e-mail 'x@' is not valid: ...' -> 'The e-mail … is not valid' (for counting)."""
    first = reason.split("; ")[0]
    general = re.sub(r"'[^']*'|\"[^\"]*\"|\S+@\S+|C-\d+|row \d+", "…", first)
    return general.split(":")[0].strip().rstrip(".")


class _RefusedWriter:
    """The refused rows, with the reason in a last column, written as they come.

    A context manager: the file is written privately beside `path` and put
    in place when the block ends normally with a row refused; a run that
    fails or is interrupted leaves any earlier file of that name as it was.
    With no `path` (a dry run) rows are only counted.
    """

    def __init__(self, path: Path | None, headers: list[str]) -> None:
        self.path = path
        self.headers = headers
        self.rows = 0
        self.writer: Any = None
        self._output = contextlib.ExitStack()

    def __enter__(self) -> _RefusedWriter:
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        return bool(self._output.__exit__(*exc_info))

    def add(self, cells: list[str], reason: str) -> None:
        self.rows += 1
        if self.path is None:
            return
        if self.writer is None:
            partial = self._output.enter_context(private_output(self.path, overwrite=True))
            handle = self._output.enter_context(
                partial.open("w", newline="", encoding="utf-8-sig", errors="replace")
            )
            self.writer = csv.writer(handle)
            self.writer.writerow([neutralise(c) for c in [*self.headers, "Reason"]])
        cells = (cells + [""] * len(self.headers))[: len(self.headers)]
        self.writer.writerow([neutralise(mask_card_numbers(c)) for c in [*cells, reason]])


def check_refused_path(path: Path, source: Path) -> None:
    """Refuse a refused-rows path that is the input itself or cannot be written."""
    if path.resolve() == source.resolve() or (path.exists() and path.samefile(source)):
        raise ValidationError(
            "refused_path",
            f"{path} is the file being imported; give the refused rows another name.",
        )
    check_target(path, overwrite=True)


def refused_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.refused.csv")


class ImportService:
    """Previews and runs imports."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def mapping_for(self, path: Path | str, overrides: dict[str, str] | None = None) -> Mapping:
        with open_source(path) as source:
            return self._mapping(source, None, overrides)

    @staticmethod
    def _mapping(
        source: Source, mapping: Mapping | None, overrides: dict[str, str] | None
    ) -> Mapping:
        if mapping is not None and [c.header for c in mapping.columns] != source.headers:
            raise ValidationError("mapping", "The mapping was made for another file's columns.")
        result = mapping or recognise(source.headers)
        if overrides:
            try:
                result = apply_overrides(result, overrides)
            except ValueError as exc:
                raise ValidationError("mapping", f"The mapping is not valid: {exc}.") from exc
        if not result.mapped():
            raise ValidationError(
                "mapping",
                "No column of the file maps to a customer field; map at least a name or e-mail.",
            )
        return result

    def preview(
        self,
        path: Path | str,
        *,
        mapping: Mapping | None = None,
        overrides: dict[str, str] | None = None,
        on_duplicate: str = "skip",
        limit: int = 50,
    ) -> ImportPreview:
        """The first `limit` rows, planned against the database, with nothing written."""
        _check_mode(on_duplicate)
        with open_source(path) as source:
            chosen = self._mapping(source, mapping, overrides)
            rows = []
            for record in source.records():
                rows.append(self._prepare(record, source, chosen))
                if len(rows) >= limit:
                    break
            importer = BatchImporter(actor=self.ctx.actor, mode=on_duplicate, dry_run=True,
                                     source_name=source.path.name)  # fmt: skip
            with self.ctx.read() as session:
                outcomes = importer.process(session, rows)
            return ImportPreview(
                path=source.path, kind=source.kind, encoding=encoding_label(source.encoding),
                product=chosen.product, headers=tuple(source.headers), mapping=chosen,
                rows=tuple(_preview_row(o) for o in outcomes), notes=tuple(source.notes),
            )  # fmt: skip

    def run(
        self,
        path: Path | str,
        *,
        mapping: Mapping | None = None,
        overrides: dict[str, str] | None = None,
        on_duplicate: str = "skip",
        dry_run: bool = False,
        refused_path: Path | None = None,
        progress: Callable[[ImportProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        batch: int = BATCH,
        accept_stray_quotes: bool | Callable[[int, str], bool] = False,
    ) -> ImportSummary:
        """Import the whole file, a batch per transaction; see the module docstring.

        A CSV line whose quote swallows the rest is refused and stops reading
        unless `accept_stray_quotes` is (or returns) true; see csv_quotes.
        """
        _check_mode(on_duplicate)
        started = time.perf_counter()
        with open_source(path) as source:
            chosen = self._mapping(source, mapping, overrides)
            summary = ImportSummary(source.path, on_duplicate, dry_run, product=chosen.product,
                                    encoding=encoding_label(source.encoding))  # fmt: skip
            if not dry_run and self.ctx.read_only:
                from crm_tui.services.errors import ReadOnlyError

                raise ReadOnlyError()
            target = refused_path or (None if dry_run else refused_path_for(source.path))
            if target is not None:
                check_refused_path(target, source.path)  # before a row is written
            importer = BatchImporter(actor=self.ctx.actor, mode=on_duplicate, dry_run=dry_run,
                                     source_name=source.path.name)  # fmt: skip

            def go_on(record: SourceRecord) -> bool:
                if accepts(accept_stray_quotes, record.number, record.error or ""):
                    return True
                summary.halted_at, summary.halt_reason = record.number, record.error or ""
                return False

            with _RefusedWriter(target, source.headers) as refused:
                for rows in self._batches(source, chosen, batch, go_on):
                    for outcome in self._save(importer, rows):
                        summary.count(outcome)
                        if outcome.action == "refuse":
                            refused.add(outcome.row.cells, outcome.reason)
                    summary.seconds = time.perf_counter() - started
                    if progress:
                        progress(ImportProgress(source.fraction_done(), summary))
                    if cancelled and cancelled():
                        summary.cancelled = True
                        break
            summary.refused_file = target if refused.rows else None
        summary.seconds = time.perf_counter() - started
        return summary

    # --- internals ----------------------------------------------------------------

    def _prepare(self, record: SourceRecord, source: Source, mapping: Mapping) -> PreparedRow:
        if record.error:
            return PreparedRow(record.number, record.cells, problems=[record.error])
        raw = pick(mapping, record.cells)
        if not raw:
            return PreparedRow(
                record.number, record.cells, problems=["The row has no mapped values."]
            )
        return prepare(record.number, record.cells, raw, source.headers, self.ctx.default_region)

    def _batches(
        self,
        source: Source,
        mapping: Mapping,
        size: int,
        go_on: Callable[[SourceRecord], bool] = lambda _record: False,
    ) -> Iterator[list[PreparedRow]]:
        rows: list[PreparedRow] = []
        for record in source.records():
            rows.append(self._prepare(record, source, mapping))
            if record.halts and not go_on(record):
                break
            if len(rows) >= size:
                yield rows
                rows = []
        if rows:
            yield rows

    def _save(self, importer: BatchImporter, rows: list[PreparedRow]) -> list[Outcome]:
        """One transaction for the batch; if the database refuses it, row by row."""
        if importer.dry_run:
            with self.ctx.read() as session:
                return importer.process(session, rows)
        try:
            with self.ctx.write() as session:
                return importer.process(session, rows)
        except (IntegrityError, DBAPIError):
            # Someone else saved a clashing customer meanwhile (or one row breaks a
            # constraint): redo the batch a row per transaction to find the culprit.
            pass
        outcomes: list[Outcome] = []
        for row in rows:
            outcomes.append(self._save_one(importer, row))
        return outcomes

    def _save_one(self, importer: BatchImporter, row: PreparedRow) -> Outcome:
        """One row in its own transaction, tried twice.

        A second import of the same new e-mails may have been waiting on our
        unique index: once it commits, our insert fails, and the second try
        finds its customer and updates or skips it like any other duplicate.
        """
        for attempt in range(2):
            try:
                with self.ctx.write() as session:
                    return importer.process(session, [row])[0]
            except (IntegrityError, DBAPIError) as exc:
                if attempt == 0 and isinstance(exc, IntegrityError):
                    continue
                text = str(getattr(exc, "orig", exc)).splitlines()[0]
                return Outcome(row, "refuse", f"The database refused the row: {text}.")
        raise AssertionError("unreachable")  # the loop always returns


def _check_mode(mode: str) -> None:
    if mode not in DUPLICATE_MODES:
        raise ValidationError(
            "on_duplicate", f"The duplicate mode {mode!r} is unknown; use skip, update or create."
        )


def _preview_row(outcome: Outcome) -> PreviewRow:
    row = outcome.row
    shown: list[tuple[str, str]] = [
        (TARGETS.get(name, name.replace("_", " ")), as_text(value) or "")
        for name, value in row.values.items()
        if value not in (None, "")
    ]
    if row.address:
        parts = [row.address.get(k) for k in ("line1", "line2", "city", "postal_code", "country")]
        shown.append(("Address", ", ".join(p for p in parts if p)))
    if row.tags:
        shown.append(("Tags", ", ".join(row.tags)))
    if row.billing_group:
        shown.append(("Billing group", row.billing_group))
    if row.note:
        shown.append(("Note", row.note[:80]))
    problems = tuple(row.problems) or ((outcome.reason,) if outcome.action == "refuse" else ())
    return PreviewRow(row.number, outcome.action, tuple(shown), problems, tuple(row.warnings),
                      outcome.match)  # fmt: skip
