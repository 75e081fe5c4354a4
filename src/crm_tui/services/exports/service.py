"""Exporting customers to CSV, XLSX, vCard or JSON, streamed.

Rows are read by keyset (`id > last ORDER BY id LIMIT n`), a batch at a
time, with the batch's tags, e-mails, phones and web addresses, addresses,
custom fields and notes in a query each (`children`); only one batch is
ever in memory, so a million customers export in flat memory. The columns
are counted first (`children.widths`, `layout`): as many e-mails, addresses
and notes as the customer with most of them has, one column per custom field.
The file is written privately under a temporary name and renamed when
complete (services.private_files), never through a link or over a device.
A CSV of every customer, `SPLIT_FROM` or more, is made on two cores
(`second_process`): a helper process makes every other batch and counts half
of the widths, from the same snapshot.

Cells are made safe for spreadsheets by `cells.neutralise`; in XLSX amounts
are numeric cells.

The columns are the ones `imports.mapping` recognises, so export then
import into an empty database gives the same customers, value for value
(tests/services/test_round_trip.py).
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    BillingGroup,
    Customer,
    CustomerSummary,
    CustomerTag,
    Tag,
    format_number,
)
from crm_tui.services.collector import few_collections_in_main_thread
from crm_tui.services.common import chunks, not_erased, not_merged
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.exports import children, fast_csv
from crm_tui.services.exports.cells import COLUMNS
from crm_tui.services.exports.layout import Layout, fill_row
from crm_tui.services.exports.second_process import TRIES, Helper
from crm_tui.services.exports.writers import WRITERS, csv_texts
from crm_tui.services.private_files import check_target, private_output

BATCH = 5_000
SPLIT_FROM = 50_000  # customers: fewer are not worth a second process
FORMATS = ("csv", "xlsx", "vcf", "json")

_CUSTOMER_FIELDS = [k for _h, k in COLUMNS if hasattr(Customer, k) and k != "number"]
_SUMMARY_FIELDS = ("lifetime_value", "outstanding_balance", "active_subscriptions",
                   "order_count", "last_purchase_at")  # fmt: skip

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    path: Path
    format: str
    rows: int
    seconds: float
    cancelled: bool = False


@dataclass(frozen=True)
class ExportSelection:
    """Which customers: all, the matches of a search (and the list's filters), or ids."""

    query: str = ""
    ids: tuple[int, ...] | None = None
    include_merged: bool = False
    filters: Any = None  # a search.SearchFilters, as the list has it


# What a person calls each format, for the in-app choice and messages.
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel", "vcf": "vCard", "json": "JSON"}
_ALIASES = {"vcard": "vcf", "xls": "xlsx"}


def format_named(path: Path) -> str | None:
    """The format a file name's suffix names (`.xlsx` -> xlsx), or None."""
    suffix = path.suffix.lower().lstrip(".")
    suffix = {"vcard": "vcf"}.get(suffix, suffix)
    return suffix if suffix in FORMATS else None


def format_for(path: Path, fmt: str | None) -> str:
    """The format chosen, else the one the file name names, else CSV.

    A choice that contradicts the name (`--format xlsx` for `out.csv`) is
    refused: a file named .csv holding a workbook opens as garbage.
    """
    named = format_named(path)
    if not fmt:
        return named or "csv"
    wanted = fmt.lower().lstrip(".")
    wanted = _ALIASES.get(wanted, wanted)
    if wanted not in FORMATS:
        raise ValidationError("format", f"The format {fmt!r} is unknown; use {', '.join(FORMATS)}.")
    if named is not None and named != wanted:
        raise ValidationError(
            "format",
            f"{path.name} names a {FORMAT_NAMES[named]} file; "
            f"end the name with .{wanted} to write {FORMAT_NAMES[wanted]}.",
        )
    return wanted


@dataclass(frozen=True)
class ExportTarget:
    """A checked place to export to: a new file in an existing folder, and its format."""

    path: Path
    format: str


class _Stopped(Exception):
    """The caller asked the export to stop; `rows` were written to the temp file."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


class ExportService:
    """Streams customers out to a file."""

    def __init__(self, ctx: ServiceContext, search: Any = None) -> None:
        self.ctx = ctx
        self._search = search

    def target(self, path: str, fmt: str | None = None) -> ExportTarget:
        """Check a typed file name before exporting: format, folder, nothing overwritten."""
        if not path.strip():
            raise ValidationError("path", "Type a file name.")
        target = Path(os.path.abspath(Path(path.strip()).expanduser()))
        kind = format_for(target, fmt)
        check_target(target, overwrite=False)
        return ExportTarget(target, kind)

    def export(
        self,
        path: Path | str,
        *,
        fmt: str | None = None,
        selection: ExportSelection | None = None,
        overwrite: bool = False,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        batch: int = BATCH,
        split_from: int = SPLIT_FROM,
    ) -> ExportResult:
        """Write the selection to `path`; a CSV of every customer, `split_from` of them
        or more, is made on two processes (`second_process`)."""
        import time

        started = time.perf_counter()
        target = Path(path).expanduser()
        kind = format_for(target, fmt)
        selection = selection or ExportSelection()
        stop = cancelled or (lambda: False)
        try:
            with private_output(target, overwrite=overwrite) as partial, self.ctx.read() as session:
                written = self._write(
                    session, partial, kind, selection, batch, progress, stop, split_from
                )
                if stop():
                    raise _Stopped(written)  # the temp file goes; the target is untouched
        except _Stopped as stopped:
            return ExportResult(target, kind, stopped.rows, time.perf_counter() - started, True)
        return ExportResult(target, kind, written, time.perf_counter() - started)

    def _write(
        self,
        session: Session,
        partial: Path,
        kind: str,
        selection: ExportSelection,
        batch: int,
        progress: ProgressFn | None,
        stop: CancelFn,
        split_from: int,
    ) -> int:
        plain = kind == "csv" and selection.ids is None and selection.filters is None
        plain = plain and not selection.query.strip()
        helper = Helper(self.ctx) if Helper.wanted(self.ctx, plain, split_from) else None
        try:
            while True:  # until the helper shares the snapshot, or there is none
                part = children.ALL if helper is None else helper.begin(session, selection)
                total = self.count(session, selection)
                where = self.where(selection)
                if selection.ids is not None and len(selection.ids) <= 1000:
                    # The widest of the chosen customers (of more, the widest of all: at
                    # worst a few empty columns, and no IN list past what a database takes).
                    where.append(col(Customer.id).in_(sorted(set(selection.ids))))
                widths = children.widths(session, where, part)
                if helper is None:
                    break
                upper = helper.counts()  # the helper counted the other part
                if upper is not None:
                    widths = widths.widest(upper)
                    break
                # Someone committed between the two snapshots' starts, or the helper failed.
                session.rollback()
                if helper.failed or helper.tries >= TRIES:
                    helper.close()
                    helper = None
            if progress:
                progress(0, total)
            rows = self._rows(session, Layout(widths), kind, selection, batch, helper)
            with few_collections_in_main_thread():
                return self._write_rows(partial, kind, widths, rows, total, progress, stop)
        finally:
            if helper is not None:
                helper.close()

    @staticmethod
    def _write_rows(
        partial: Path,
        kind: str,
        widths: children.Widths,
        batches: Iterator[Sequence[Any]],
        total: int,
        progress: ProgressFn | None,
        stop: CancelFn,
    ) -> int:
        written = 0
        writer = WRITERS[kind](partial, Layout(widths))
        try:
            for rows in batches:
                if stop():
                    break
                writer.write(rows)
                written += len(rows)
                if progress:
                    progress(written, total)
        finally:
            writer.close()
        return written

    # --- reading ------------------------------------------------------------------

    def _rows(
        self, session: Session, layout: Layout, kind: str, selection: ExportSelection,
        batch: int, helper: Helper | None,
    ) -> Iterator[Sequence[Any]]:  # fmt: skip
        """Batches of rows for the `kind` of file: for CSV as text from the database
        (fast_csv), on two processes with a `helper`; for the others as dicts (`batches`)."""
        if kind != "csv":
            yield from self.batches(session, selection, batch)
            return
        general = self.general_csv(session, selection, layout, batch)
        widths = layout.widths
        if helper is not None:
            yield from helper.batches(session, self.where(selection), selection, widths, batch,
                                      general)  # fmt: skip
            return
        wanted = sorted(set(selection.ids)) if selection.ids is not None else None
        yield from fast_csv.text_batches(
            session, self.where(selection), wanted, widths, batch, general
        )

    def general_csv(
        self, session: Session, selection: ExportSelection, layout: Layout, batch: int
    ) -> fast_csv.SlowFn:
        """The general exporter's CSV cells for customers of `selection` by id: what the
        fast CSV export writes for a customer it cannot write itself."""

        def general(ids: list[int]) -> dict[int, list[str]]:
            chosen = replace(selection, ids=tuple(ids))
            return {row["id"]: csv_texts(layout, row)
                    for rows in self.batches(session, chosen, batch) for row in rows}  # fmt: skip

        return general

    def where(self, selection: ExportSelection) -> list[Any]:
        conditions: list[Any] = [not_erased()]
        if not selection.include_merged:
            conditions.append(not_merged())
        if selection.query.strip() or selection.filters is not None:
            if self._search is None:
                from crm_tui.services.search import SearchService

                self._search = SearchService(self.ctx)
            matching = self._search.matching_ids_query(selection.query, selection.filters)
            matching = matching.subquery()
            conditions.append(col(Customer.id).in_(select(matching.c[0])))
        return conditions

    def count(self, session: Session, selection: ExportSelection) -> int:
        query = select(func.count()).select_from(Customer).where(*self.where(selection))
        if selection.ids is not None:
            total = 0
            ids = sorted(set(selection.ids))
            for chunk in chunks(ids, 1000):
                total += int(session.scalar(query.where(col(Customer.id).in_(chunk))) or 0)
            return total
        return int(session.scalar(query) or 0)

    def batches(
        self, session: Session, selection: ExportSelection, size: int = BATCH
    ) -> Iterator[list[dict[str, Any]]]:
        """Rows as dicts keyed like COLUMNS, one keyset batch at a time."""
        groups = dict(session.execute(select(col(BillingGroup.id), col(BillingGroup.name))).all())
        where = self.where(selection)
        wanted = sorted(set(selection.ids)) if selection.ids is not None else None
        last = 0
        while True:
            query = self._rows_query(where).where(col(Customer.id) > last)
            if wanted is not None:
                start = bisect.bisect_right(wanted, last)
                chunk = wanted[start : start + size]
                if not chunk:
                    return
                query = query.where(col(Customer.id).in_(chunk))
            rows = session.execute(query.order_by(col(Customer.id)).limit(size)).all()
            if not rows:
                if wanted is not None and chunk:
                    last = chunk[-1]
                    continue
                return
            ids = [int(r[0]) for r in rows]
            tags = self._tags(session, ids)
            points, addresses = children.points(session, ids), children.addresses(session, ids)
            custom, notes = children.custom_fields(session, ids), children.notes(session, ids)
            out = []
            for row in rows:
                cid = int(row[0])
                item: dict[str, Any] = {"id": cid, "number": format_number(cid)}
                for index, name in enumerate(_CUSTOMER_FIELDS, start=1):
                    item[name] = row[index]
                offset = len(_CUSTOMER_FIELDS) + 1
                for index, name in enumerate(_SUMMARY_FIELDS):
                    item[name] = row[offset + index]
                item["billing_group_id"] = row[offset + len(_SUMMARY_FIELDS)]
                item["billing_group"] = groups.get(item["billing_group_id"])
                item["tags"] = ", ".join(tags.get(cid, []))
                fill_row(item, {"points": points.get(cid, {}), "addresses": addresses.get(cid, []),
                                "custom": custom.get(cid, {}), "notes": notes.get(cid, [])})  # fmt: skip
                out.append(item)
            yield out
            last = ids[-1]

    @staticmethod
    def _rows_query(where: list[Any]) -> Select[Any]:
        columns = [col(Customer.id), *(getattr(Customer, f) for f in _CUSTOMER_FIELDS)]
        columns += [getattr(CustomerSummary, f) for f in _SUMMARY_FIELDS]
        columns.append(col(Customer.billing_group_id))
        return (
            select(*columns)
            .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
            .where(*where)
        )

    @staticmethod
    def _tags(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
        # A range over the sorted batch, not IN (5,000 ids): no huge statement to
        # parse and plan; rows of customers outside the batch are never looked up.
        out: dict[int, list[str]] = {}
        query = (
            select(col(CustomerTag.customer_id), col(Tag.name))
            .join(Tag, col(Tag.id) == col(CustomerTag.tag_id))
            .where(col(CustomerTag.customer_id).between(ids[0], ids[-1]))
            .order_by(col(CustomerTag.customer_id), col(Tag.name_key))
        )
        for cid, name in session.execute(query).all():
            out.setdefault(cid, []).append(name)
        return out
