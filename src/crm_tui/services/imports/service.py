"""Importing customers from CSV, XLSX and vCard files.

    preview = services.imports.preview(path)          # mapping + first rows
    summary = services.imports.run(path, on_duplicate="update")

Files are streamed (formats), columns mapped (mapping), each row cleaned
by the customer rules (rows), and rows saved a batch per transaction
(batch): a crash or kill -9 leaves whole batches, and a re-run with skip
or update finds what was saved (by e-mail, then phone) and completes the
file without duplicates. A row is refused only when it cannot make a
customer; it is counted and written with its reason to a refused-rows CSV
that can be fixed and imported again. A value that does not pass its rule
is left out of the customer, counted by column in the summary and listed
(row, column, value, reason) in a not-imported CSV. Card numbers found in
any cell refuse the row and are masked in both files. Date columns are
read in the order the whole column shows (date_columns); a column that
reads both ways needs `date_order`. A dry run plans every row the same
way inside read transactions and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, nullcontext
from itertools import islice
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError

from crm_tui.models import ImportRun
from crm_tui.services.card_numbers import mask_card_numbers
from crm_tui.services.collector import few_collections
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ReadOnlyError, ValidationError
from crm_tui.services.imports.batch import BatchImporter, Outcome
from crm_tui.services.imports.csv_quotes import accepts
from crm_tui.services.imports.date_columns import ColumnOrder, date_order
from crm_tui.services.imports.dates import DATE_ORDERS
from crm_tui.services.imports.durability import Durability
from crm_tui.services.imports.encodings import encoding_label
from crm_tui.services.imports.formats import (
    ImportFileError,
    Source,
    SourceRecord,
    open_source,
)
from crm_tui.services.imports.mapping import Mapping, apply_overrides, pick, recognise
from crm_tui.services.imports.outputs import (
    CsvOutput,
    check_output_path,
    refused_path_for,
    refused_rows,
    values_not_imported,
    values_path_for,
)
from crm_tui.services.imports.pipeline import (
    Progress,
    fewer_checkpoints,
    pairs_from_child,
    worth_a_child,
)
from crm_tui.services.imports.rows import PreparedRow, RowContext, prepare
from crm_tui.services.imports.summary import (
    DateQuestion,
    ImportPreview,
    ImportProgress,
    ImportSummary,
    preview_row,
)
from crm_tui.services.imports.vcard_card import BINARY, UNREADABLE
from crm_tui.services.roles.policy import IMPORT_LIMIT, Capability

DUPLICATE_MODES = ("skip", "update", "create")
BATCH = 1_000

__all__ = [
    "DUPLICATE_MODES", "DateOrderNeeded", "ImportFileError", "ImportPreview", "ImportProgress",
    "ImportService", "ImportSummary", "check_refused_path", "refused_path_for",
]  # fmt: skip


class DateOrderNeeded(ValidationError):
    """A date column reads both day-first and month-first; the caller must choose."""

    def __init__(self, question: DateQuestion) -> None:
        super().__init__(
            "date_order", f"{question.message}; choose the order with --date-order dmy|mdy|ymd."
        )
        self.question = question


def check_refused_path(path: Path, source: Path) -> None:
    """Refuse a refused-rows path that is the input itself or cannot be written."""
    check_output_path(path, source, "refused rows")


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

    def _date_order(self, path: Path | str, mapping: Mapping, given: str | None) -> ColumnOrder:
        if given is not None:
            if given not in DATE_ORDERS:
                raise ValidationError(
                    "date_order", f"The date order {given!r} is unknown; use dmy, mdy or ymd."
                )
            return ColumnOrder(given)
        with open_source(path) as source:
            return date_order(source, mapping)

    def preview(
        self,
        path: Path | str,
        *,
        mapping: Mapping | None = None,
        overrides: dict[str, str] | None = None,
        on_duplicate: str = "skip",
        date_order: str | None = None,
        limit: int = 50,
    ) -> ImportPreview:
        """The first `limit` rows, planned against the database, with nothing written.

        When a date column needs an order and none is given, `date_question`
        says so and its dates show as not imported until one is chosen.
        """
        _check_mode(on_duplicate)
        with open_source(path) as source:
            chosen = self._mapping(source, mapping, overrides)
            order = self._date_order(path, chosen, date_order)
            context = self._context(source, chosen, order.order)
            rows = []
            for record in source.records():
                rows.append(prepare_record(record, chosen, context))
                if len(rows) >= limit:
                    break
            importer = BatchImporter(actor=self.ctx.actor, mode=on_duplicate, dry_run=True,
                                     source_name=source.path.name)  # fmt: skip
            with self.ctx.read() as session:
                outcomes = importer.process(session, rows)
            question = DateQuestion(order.column, order.example) if order.needs_choice else None
            return ImportPreview(
                path=source.path, kind=source.kind, encoding=encoding_label(source.encoding),
                product=chosen.product, headers=tuple(source.headers), mapping=chosen,
                rows=tuple(preview_row(o) for o in outcomes), notes=tuple(source.notes),
                date_question=question,
            )  # fmt: skip

    def run(
        self,
        path: Path | str,
        *,
        mapping: Mapping | None = None,
        overrides: dict[str, str] | None = None,
        on_duplicate: str = "skip",
        dry_run: bool = False,
        date_order: str | None = None,
        refused_path: Path | None = None,
        progress: Callable[[ImportProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        batch: int = BATCH,
        accept_stray_quotes: bool | Callable[[int, str], bool] = False,
        parallel: bool | None = None,
    ) -> ImportSummary:
        """Import the whole file, a batch per transaction; see the module docstring.

        A CSV line whose quote swallows the rest is refused and stops reading
        unless `accept_stray_quotes` is (or returns) true; see csv_quotes.
        `parallel` reads and prepares rows in a second process (pipeline);
        None decides by the file's size and the machine.
        """
        _check_mode(on_duplicate)
        started = time.perf_counter()
        with open_source(path) as source:
            chosen = self._mapping(source, mapping, overrides)
            if not dry_run and self.ctx.read_only:
                raise ReadOnlyError()
            if not dry_run:
                self._check_size(path)
            order = self._date_order(path, chosen, date_order)
            if order.needs_choice:
                raise DateOrderNeeded(DateQuestion(order.column, order.example))
            summary = ImportSummary(source.path, on_duplicate, dry_run, product=chosen.product,
                                    encoding=encoding_label(source.encoding),
                                    date_order=order.order)  # fmt: skip
            target, values_target = _outputs(source.path, refused_path, dry_run)
            run_id = None if dry_run else self._start_run(source.path.name)
            importer = BatchImporter(actor=self.ctx.actor, mode=on_duplicate, dry_run=dry_run,
                                     source_name=source.path.name, run_id=run_id)  # fmt: skip
            context = self._context(source, chosen, order.order)
            go_on = _stray_quote_judge(summary, accept_stray_quotes)
            fraction: Callable[[], float] = source.fraction_done
            pairs: Generator[tuple[SourceRecord, PreparedRow], None, None]
            two = parallel if parallel is not None else worth_a_child(source.path)
            importer.bulk = two
            if two:
                fraction = Progress()
                pairs = pairs_from_child(source.path, chosen, context, prepare_record, fraction)
            else:
                pairs = ((r, prepare_record(r, chosen, context)) for r in source.records())
            durability = Durability(self.ctx.write)
            with (
                durability.at_end(),  # entered first, so it ends last: after the child and the files
                few_collections() if two else nullcontext(),
                closing(pairs),  # a child still reading is ended when the import stops
                refused_rows(target, source.headers) as refused,
                values_not_imported(values_target) as left_out,
            ):
                for rows in _batches(pairs, batch, go_on):
                    for outcome in self._save(importer, rows, durability):
                        summary.count(outcome)
                        _write_outcome(outcome, refused, left_out)
                    summary.seconds = time.perf_counter() - started
                    if progress:
                        progress(ImportProgress(fraction(), summary))
                    if cancelled and cancelled():
                        summary.cancelled = True
                        break
            summary.refused_file = target if refused.rows else None
            summary.values_file = values_target if left_out.rows else None
        summary.seconds = time.perf_counter() - started
        return summary

    # --- internals ----------------------------------------------------------------

    def _check_size(self, path: Path | str) -> None:
        """A role limited to IMPORT_LIMIT rows is refused before anything is written."""
        permissions = self.ctx.permissions
        if permissions.allows(Capability.IMPORT_LARGE):
            return
        with open_source(path) as counting:
            rows = sum(1 for _ in islice(counting.records(), IMPORT_LIMIT + 1))
        if rows > IMPORT_LIMIT:
            permissions.require(Capability.IMPORT_LARGE)

    def _start_run(self, name: str) -> int:
        """The import_run row the new customers point at; on PostgreSQL it counts them and
        refuses a non-manager's import past IMPORT_LIMIT customers (migration 0018)."""
        run = ImportRun(source=mask_card_numbers(name), login=self.ctx.permissions.login)
        with self.ctx.write() as session:
            session.add(run)
            session.flush()
            assert run.id is not None
            return run.id

    def _context(self, source: Source, mapping: Mapping, order: str | None) -> RowContext:
        columns: dict[str, str] = {}
        for column in mapping.columns:
            columns.setdefault(column.target, column.header)
        return RowContext(source.headers, self.ctx.default_region, order, columns)

    def _save(
        self, importer: BatchImporter, rows: list[PreparedRow], durability: Durability
    ) -> list[Outcome]:
        """One transaction for the batch, committed without waiting for the disk (see
        durability); if the database refuses it, row by row."""
        if importer.dry_run:
            with self.ctx.read() as session:
                return importer.process(session, rows)
        try:
            with self.ctx.write() as session:
                if importer.bulk:
                    fewer_checkpoints(session)
                durability.batch(session)
                return importer.process(session, rows)
        except (IntegrityError, DBAPIError):
            # Someone else saved a clashing customer meanwhile (or one row breaks a
            # constraint): redo the batch a row per transaction to find the culprit.
            pass
        return [self._save_one(importer, row) for row in rows]

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


def prepare_record(record: SourceRecord, mapping: Mapping, context: RowContext) -> PreparedRow:
    """One record of the file cleaned by the customer rules (or why it cannot be)."""
    if record.error:
        row = PreparedRow(record.number, record.cells, problems=[record.error])
        row.value_count = sum(1 for cell in record.cells if cell.strip())
        return row
    picked = pick(mapping, record.cells)
    for name, value in record.leftovers:  # vCard properties no column holds
        if value == BINARY or name == UNREADABLE:
            picked.leftovers.append((name, value))
        else:
            picked.custom.append((name, value))
    picked.value_count += len(record.leftovers)
    if not picked.values and not picked.addresses:
        row = PreparedRow(record.number, record.cells, problems=["The row has no mapped values."])
    else:
        row = prepare(record.number, record.cells, picked, context)
    row.value_count = picked.value_count
    return row


def _batches(
    pairs: Iterable[tuple[SourceRecord, PreparedRow]],
    size: int,
    go_on: Callable[[SourceRecord], bool] = lambda _record: False,
) -> Iterator[list[PreparedRow]]:
    """The prepared rows in batches of `size`, up to a halting record not gone on from."""
    rows: list[PreparedRow] = []
    for record, row in pairs:
        rows.append(row)
        if record.halts and not go_on(record):
            break
        if len(rows) >= size:
            yield rows
            rows = []
    if rows:
        yield rows


def _write_outcome(outcome: Outcome, refused: CsvOutput, left_out: CsvOutput) -> None:
    if outcome.action == "refuse":
        refused.add([*outcome.row.cells, outcome.reason])
    elif outcome.action in ("create", "update", "unchanged"):
        for dropped in outcome.row.dropped:
            left_out.add([str(outcome.row.number), dropped.column, dropped.value, dropped.reason])


def _check_mode(mode: str) -> None:
    if mode not in DUPLICATE_MODES:
        raise ValidationError(
            "on_duplicate", f"The duplicate mode {mode!r} is unknown; use skip, update or create."
        )


def _outputs(
    source: Path, refused_path: Path | None, dry_run: bool
) -> tuple[Path | None, Path | None]:
    """(refused rows file, values-not-imported file), each checked before a row is written."""
    target = refused_path or (None if dry_run else refused_path_for(source))
    values_target = values_path_for(target) if target is not None else None
    for output, what in ((target, "refused rows"), (values_target, "values not imported")):
        if output is not None:
            check_output_path(output, source, what)
    return target, values_target


def _stray_quote_judge(
    summary: ImportSummary, accept: bool | Callable[[int, str], bool]
) -> Callable[[SourceRecord], bool]:
    """Whether reading goes on past a stray quote; when not, the summary says where it stopped."""

    def go_on(record: SourceRecord) -> bool:
        if accepts(accept, record.number, record.error or ""):
            return True
        summary.halted_at, summary.halt_reason = record.number, record.error or ""
        return False

    return go_on
