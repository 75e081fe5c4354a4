"""The fast CSV export on two cores: a helper process makes every other batch.

The customers are cut into ranges of `size` ids. The exporting process makes
the even ranges and writes the file; a helper process (spawned, so it shares
nothing with the app but the database) makes the odd ones and sends each as
UTF-8 bytes through a pipe. A send waits until the exporter takes it, so at
most one batch is in flight and memory stays flat; the file is in id order.

Both processes must read the same state of the database:
- PostgreSQL: the exporter's transaction is REPEATABLE READ and the helper's
  imports its snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT).
- SQLite: two connections cannot share a snapshot. `PRAGMA data_version`,
  read on a third connection before the exporter's snapshot starts and again
  after the helper's has started, changes if anyone committed in between;
  unchanged, both read the same state. Changed, both transactions begin
  again (`TRIES` times), then the export runs in one process.

Only an export of every customer (no search, no chosen ids) of a database
file or server, of `split_from` customers or more, is shared: a search's
ranges would each run the search again.
"""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.db.engine import Database, make_engine
from crm_tui.models import Customer
from crm_tui.services.collector import few_collections
from crm_tui.services.context import ServiceContext
from crm_tui.services.exports.children import IdRange, Widths, counts
from crm_tui.services.exports.csv_text import TextBatch
from crm_tui.services.exports.fast_csv import CsvBatches, SlowFn

TRIES = 3  # snapshots begun before giving up on the helper (SQLite, writers busy)
_HELPER = (
    "import sys; from multiprocessing.connection import Connection; "
    "from crm_tui.services.exports.second_process import serve; "
    "serve(Connection(int(sys.argv[1])))"
)
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")


class ByteBatch(bytes):
    """A batch of CSV lines the helper encoded; `len` is its number of customers."""

    rows: int

    def __new__(cls, data: bytes, rows: int) -> ByteBatch:
        batch = super().__new__(cls, data)
        batch.rows = rows
        return batch

    def __len__(self) -> int:
        return self.rows


def _customer_ids(session: Session) -> tuple[int | None, int | None]:
    low, high = session.execute(
        select(func.min(col(Customer.id)), func.max(col(Customer.id)))
    ).one()
    return low, high


def ranges(low: int, high: int, size: int) -> list[tuple[int, int]]:
    """(after, up to) id bounds of `size` ids each, covering low..high."""
    return [(after, min(after + size, high)) for after in range(low - 1, high, size)]


def _start_snapshot(session: Session, snapshot: str | None) -> None:
    """Begin `session`'s transaction at a snapshot: its first read on SQLite; on
    PostgreSQL REPEATABLE READ, at `snapshot` if given (pg_export_snapshot's id)."""
    session.rollback()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        session.execute(select(col(Customer.id)).limit(1))
        return
    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    if snapshot is not None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")


class Helper:
    """The exporter's side: spawns the helper, shares the snapshot, interleaves batches."""

    def __init__(self, ctx: ServiceContext) -> None:
        engine = ctx.db.engine
        self.sqlite = engine.dialect.name == "sqlite"
        # The data_version probe: a connection of its own that never writes.
        self.probe = engine.raw_connection() if self.sqlite else None
        self.version: int | None = None
        self.tries = 0
        self.ids: tuple[int | None, int | None] = (None, None)  # the lowest and highest
        # A fresh interpreter importing this module (not multiprocessing's spawn, which
        # would run the app's main module again), on one end of a socket pair.
        self.pipe, theirs = multiprocessing.Pipe()
        # Nothing on the terminal (the app's screen): what goes wrong comes through the pipe.
        quiet = subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HELPER, str(theirs.fileno())], pass_fds=[theirs.fileno()],
            stdin=quiet, stdout=quiet, stderr=quiet,
        )  # fmt: skip
        theirs.close()
        self.failed: str | None = None  # why the helper stopped helping
        self._send((engine.url.render_as_string(hide_password=False), ctx.actor))

    @staticmethod
    def wanted(ctx: ServiceContext, plain: bool, split_from: int) -> bool:
        """Worth a second process: every customer of a file or server database, and
        (by ids, before any snapshot) about `split_from` of them or more."""
        url = ctx.db.engine.url
        if not plain or (
            url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        ):
            return False
        with ctx.db.read() as session:
            low, high = _customer_ids(session)
        return low is not None and high is not None and high - low + 1 >= split_from

    def _data_version(self) -> int:
        assert self.probe is not None
        cursor = self.probe.cursor()
        try:
            (version,) = cursor.execute("PRAGMA data_version").fetchone()
            return int(version)
        finally:
            cursor.close()

    def begin(self, session: Session, selection: Any) -> IdRange:
        """Start the exporter's snapshot (before its first read), ask the helper to start
        its own at the same one and to count the widths of the upper half of the
        customer ids; the lower half, which the exporter counts."""
        self.tries += 1
        snapshot = None
        if self.sqlite:
            self.version = self._data_version()
            _start_snapshot(session, None)
        else:
            _start_snapshot(session, None)
            snapshot = session.connection().exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        self._send(("begin", snapshot))
        self.ids = low, high = _customer_ids(session)
        middle = 0 if low is None or high is None else (low + high) // 2
        self._send(("counts", selection, middle))
        return (None, middle)

    def counts(self) -> Widths | None:
        """The helper's half of the widths if its snapshot is the exporter's, else None
        (waits for the helper); None too if the helper `failed`."""
        begun, counted = self._reply("begun"), self._reply("counts")
        if begun is None or counted is None:
            return None
        shared = not self.sqlite or self._data_version() == self.version
        return counted[1] if shared else None

    def _send(self, message: Any) -> None:
        if self.failed is None:
            try:
                self.pipe.send(message)
            except OSError as exc:
                self.failed = f"{type(exc).__name__}: {exc}"

    def _reply(self, kind: str) -> Any:
        """The helper's next message, of `kind`; None once it has failed (it ended, or
        sent the error it met instead)."""
        if self.failed is None:
            try:
                reply = self.pipe.recv()
            except (EOFError, OSError) as exc:
                reply = ("error", f"ended ({type(exc).__name__}), exit code {self.process.poll()}")
            if reply[0] == kind:
                return reply
            self.failed = str(reply[1])
        return None

    def batches(
        self, session: Session, where: list[Any], selection: Any, widths: Widths, size: int,
        slow: SlowFn,
    ) -> Iterator[TextBatch | ByteBatch]:  # fmt: skip
        """The export's batches in id order: the even ranges made here, the odd ones by
        the helper (here too, from the same snapshot, once it has failed)."""
        low, high = self.ids
        if low is None or high is None:
            return
        bounds = ranges(low, high, size)
        self._send(("work", selection, widths, size, bounds[1::2]))
        own = CsvBatches(session, where, widths, size, slow, ranged=True)
        for index, (after, up_to) in enumerate(bounds):
            reply = self._reply("text") if index % 2 else None
            if reply is not None:
                if reply[2]:
                    yield ByteBatch(reply[1], reply[2])
                continue
            found = own.read({"last": after, "high": up_to})
            if found is not None:
                yield found[0]

    def close(self) -> None:
        self.pipe.close()  # a helper still sending stops at once
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.probe is not None:
            self.probe.close()


def serve(pipe: Pipe) -> None:
    """The helper process: begin snapshots as asked, then make and send its ranges."""
    from crm_tui.services.exports.layout import Layout
    from crm_tui.services.exports.service import ExportService

    url, actor = pipe.recv()
    db = Database(make_engine(url, read_only=True))
    service = ExportService(ServiceContext(db=db, actor=actor, read_only=True))
    try:
        with few_collections(), db.read() as session:
            while True:
                message = pipe.recv()
                if message[0] == "begin":
                    _start_snapshot(session, message[1])
                    pipe.send(("begun",))
                    continue
                if message[0] == "counts":
                    _kind, selection, middle = message
                    upper = (middle, None)
                    pipe.send(("counts", counts(session, service.where(selection), upper)))
                    continue
                _kind, selection, widths, size, bounds = message
                slow = service.general_csv(session, selection, Layout(widths), size)
                batches = CsvBatches(session, service.where(selection), widths, size, slow,
                                     ranged=True)  # fmt: skip
                for after, up_to in bounds:
                    found = batches.read({"last": after, "high": up_to})
                    data, rows = (found[0].encode(), len(found[0])) if found else (b"", 0)
                    pipe.send(("text", data, rows))
                return
    except (EOFError, BrokenPipeError):
        return  # the exporter stopped (cancelled, or failed itself)
    except Exception as exc:  # sent to the exporter, which raises it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose()
