"""Rows read and prepared in a second process while this one writes (Linux, large files).

Checking a row by the customer rules (rows.prepare: card numbers, e-mail,
phone, addresses, tags) costs about as much as saving it, so on a machine
with a second core a large import reads and prepares its rows in a forked
child while the parent saves the batch before. The child runs the very
`prepare_record` the parent runs otherwise, over the same file opened the
same way, and sends (record, row) pairs in file order through a bounded
queue (at most QUEUED chunks ahead, so memory stays flat); the parent
batches, stops, halts at a stray quote and reports progress exactly as it
does reading the file itself. Nothing in the child touches the database:
it was forked after the parent's engine was made and ends with os._exit
(multiprocessing's way), so the parent's connections are never used or
closed by it. Ctrl-C is the parent's: the child ignores SIGINT and is
ended when the parent stops reading.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crm_tui.services.imports.formats import SourceRecord, open_source
from crm_tui.services.imports.mapping import Mapping
from crm_tui.services.imports.row_search import search_text
from crm_tui.services.imports.rows import PreparedRow, RowContext

Pair = tuple[SourceRecord, PreparedRow]
Preparer = Callable[[SourceRecord, Mapping, RowContext], PreparedRow]

PARALLEL_FROM_BYTES = 512 * 1024  # about 5,000 rows: below, forking costs more than it saves
CHUNK = 250
QUEUED = 16
# With this many chunks waiting for the writer, the child also makes the new rows'
# search text (row_search.search_text), which the writer makes otherwise. Which of the two
# processes is the slower one depends on the database: on SQLite the reading, on
# PostgreSQL the writer with the server; so the text goes to whichever has time.
AHEAD = QUEUED // 2
_WAIT_S = 1.0
# The queue's feeder thread pickles and sends each chunk, and needs the GIL for it, which
# this child's reading holds: with Python's default switch interval (5 ms) a chunk waited
# for its turn while the writer waited for the chunk (2.6-3.1 s of a 50,000-row import's
# 9-10 s spent in the writer's queue get). Asked for the GIL sooner, the feeder sends at
# once: the get took 1.4-1.7 s and the import 7.4-8.8 s.
CHILD_SWITCH_S = 0.0005


def worth_a_child(path: Path | str) -> bool:
    """Whether this import reads in a second process: Linux (fork), two cores, a large
    file, and called from the main thread (the command line; the app imports from a
    worker thread, and a fork there would copy a process with Textual's threads in it)."""
    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2:
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        return Path(path).stat().st_size >= PARALLEL_FROM_BYTES
    except OSError:
        return False


# At most this many pages (4 KiB each) of write-ahead log between checkpoints while the
# two-process import writes to SQLite (1,000 by default); see fewer_checkpoints.
BULK_CHECKPOINT_PAGES = 10_000


def fewer_checkpoints(session: Session) -> None:
    """This transaction's SQLite connection checkpoints after BULK_CHECKPOINT_PAGES pages of
    log, not 1,000: a batch of 1,000 customers writes more than 1,000 pages (indexes, the
    full-text segments), so every batch's commit also copied the log into the database
    file and synced it (a third to a half of the commits' time, about 0.6 s of a 50,000-row
    import at load 4). The log stays below about 40 MB and is as durable as before. Only
    for the two-process import (a command's process, which ends with the import: its
    connections, left so, end with it)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")


class Progress:
    """How far the child has read, for the parent's progress line."""

    def __init__(self) -> None:
        self.fraction = 0.0

    def __call__(self) -> float:
        return self.fraction


def pairs_from_child(
    path: Path | str, mapping: Mapping, context: RowContext, prepare: Preparer, progress: Progress
) -> Generator[Pair, None, None]:
    """(record, prepared row) for every record of `path`, prepared in a forked child."""
    fork = multiprocessing.get_context("fork")
    chunks: Any = fork.Queue(maxsize=QUEUED)
    child = fork.Process(
        target=_produce, args=(path, mapping, context, prepare, chunks), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                item = chunks.get(timeout=_WAIT_S)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"The process reading the file ended unexpectedly (exit code {child.exitcode})."
                    ) from None
                continue
            kind, payload = item
            if kind == "error":
                raise _rebuilt(*payload)
            if kind == "end":
                return
            progress.fraction, pairs = payload
            yield from pairs
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        chunks.close()


def _produce(
    path: Path | str, mapping: Mapping, context: RowContext, prepare: Preparer, chunks: Any
) -> None:
    """The child: read, prepare, send in chunks; an error is sent to be raised in the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setswitchinterval(CHILD_SWITCH_S)
    parent = os.getppid()
    try:
        with open_source(path) as source:
            pairs: list[Pair] = []
            texts = _ahead(chunks)
            for record in source.records():
                row = prepare(record, mapping, context)
                if texts and row.ok:
                    row.doc = search_text(row, row.values)
                # The cells travel once, in the row; go_on needs only the rest.
                pairs.append((SourceRecord(record.number, [], record.error, record.halts), row))
                if len(pairs) >= CHUNK:
                    _put(chunks, ("rows", (source.fraction_done(), pairs)), parent)
                    pairs = []
                    texts = _ahead(chunks)
            _put(chunks, ("rows", (source.fraction_done(), pairs)), parent)
        _put(chunks, ("end", None), parent)
    except Exception as exc:  # noqa: BLE001 - any failure is the parent's to raise
        # Sent as its parts: an exception whose __init__ takes other arguments than its
        # args (ValidationError) does not survive pickling whole.
        _put(chunks, ("error", (exc.__class__, exc.args, vars(exc))), parent)


def _ahead(chunks: Any) -> bool:
    """Whether AHEAD chunks or more wait for the writer (see AHEAD)."""
    try:
        return int(chunks.qsize()) >= AHEAD
    except NotImplementedError:  # no sem_getvalue (macOS); the child runs on Linux only
        return False


def _put(chunks: Any, item: tuple[str, Any], parent: int) -> None:
    """Queue `item`, waiting while the parent is busy; if the parent is gone (killed), end."""
    while True:
        try:
            chunks.put(item, timeout=_WAIT_S)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)  # orphaned: nobody will ever read the rest


def _rebuilt(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    """The child's exception, of its own class with its own message and fields."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc
