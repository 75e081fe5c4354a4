"""Demo batches drawn in a process of their own (SQLite), ready for the writer.

Drawn in a thread, the next batch shared the GIL with the writer: on two
cores, drawing, numbering and converting the rows took as much CPU as
SQLite's own work and ran beside it only while SQLite held no GIL. Here a
child process (drawing_process.py) draws each batch from the same seeded generator, numbers its
rows from the ids the tables will have if nothing else writes in between
(each batch following the one before), stamps the e-mails and documents, and
turns the rows into each table's parameter tuples; the writer only stores
them. The writer checks those ids under its write lock: when a clerk took
some in between, it shifts the batch (`shift`) and tells the process where
the tables really end, so the batches after follow. The rows are the ones
the thread would have drawn, whatever the ids.
"""

from __future__ import annotations

import pickle
import queue
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_tui.services.demo.bulk_insert import Params
from crm_tui.services.demo.generate import References, stamped
from crm_tui.services.demo.ids import CHILD_MODELS, LINKS, payment_reference

AHEAD = 2  # batches waiting for the writer, besides the one being drawn


@dataclass
class Table:
    """One table's rows of a batch, as the INSERT's parameters."""

    name: str
    sql: str
    columns: tuple[str, ...]
    params: Params


@dataclass
class Ready:
    """A batch drawn and numbered from `bases` (each table's largest id before it)."""

    index: int
    customers: int
    bases: dict[str, int]
    tables: list[Table]
    # per customer, what its e-mail, key and document are made of besides its id
    parts: list[tuple[str, str, str, str]]
    placed: dict[str, int] | None = None  # the bases the writer found (set when written)

    def counts(self) -> dict[str, int]:
        """Rows per numbered table (customers included)."""
        found = {t.name: len(t.params) for t in self.tables}
        return {key: found.get(key, 0) for key in self.bases}

    def ends(self) -> dict[str, int]:
        """Each table's largest id once this batch is in."""
        counts = self.counts()
        return {key: base + counts[key] for key, base in self.bases.items()}


class Drawer:
    """The drawing process, seen from the writer: batches come in through a reader thread
    (the next one arrives while SQLite stores this one)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._inbox: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        self._reader = threading.Thread(target=self._read, name="demo-rows-in", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        source = self._process.stdout
        assert source is not None
        try:
            while True:
                item = pickle.load(source)
                self._inbox.put(item)
                if not isinstance(item, Ready):
                    return
        except BaseException as exc:  # EOF: the process died; anything else is said too
            self._inbox.put(("error", f"{type(exc).__name__}: {exc}"))

    def next(self) -> Ready:
        """The next batch (waits for it); raises if the process failed or died."""
        item = self._take()
        if not isinstance(item, Ready):
            raise RuntimeError("The demo's drawing process sent no batch where one was due.")
        return item

    def _take(self) -> Any:
        item = self._inbox.get()
        if isinstance(item, tuple) and item[0] == "error":
            self._process.poll()
            raise RuntimeError(
                f"The demo's drawing process failed (exit code {self._process.returncode}): "
                f"{item[1]}"
            )
        return item

    def committed(self, ready: Ready) -> None:
        """`ready` is in: when it went in past other rows, later batches follow from there."""
        if ready.placed is not None and ready.placed != ready.bases:
            counts = ready.counts()
            # A process done drawing has closed its end; a failed one says so at the next take.
            with suppress(BrokenPipeError):
                self._send((ready.index, {k: b + counts[k] for k, b in ready.placed.items()}))

    def _send(self, message: Any) -> None:
        sink = self._process.stdin
        assert sink is not None
        pickle.dump(message, sink)
        sink.flush()

    def drain(self) -> None:
        """Once the process is gone: let the reader thread end (it may wait to hand over
        a batch nobody will take) so no batch stays held in this process."""
        while self._reader.is_alive():
            with suppress(queue.Empty):
                self._inbox.get(timeout=0.1)

    def finish(self) -> random.Random:
        """After the last batch: the generator as the process left it."""
        item = self._take()
        rng = random.Random()
        rng.setstate(item[1])
        return rng


@contextmanager
def drawing(
    seed: int, as_of: date, references: References, sizes: list[int], bases: dict[str, int]
) -> Iterator[Drawer]:
    """The drawing process for these batches; stopped on the way out whatever happened.

    A plain child process (not multiprocessing, which would run the caller's main
    module again in it), in a session of its own so a Ctrl-C at the terminal is the
    writer's alone to handle; it ends when its pipes close."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_tui.services.demo.drawing_process"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    drawer = Drawer(process)
    try:
        drawer._send((seed, as_of, references, sizes, bases))
        yield drawer
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        drawer.drain()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with suppress(OSError):
                    pipe.close()


def shift(ready: Ready, real_bases: dict[str, int]) -> None:
    """Renumber `ready` from `real_bases` (a clerk took ids since it was drawn): every id
    and link moves by its table's difference, and what is made of an id is made again."""
    delta = {key: real_bases[key] - base for key, base in ready.bases.items()}
    first = real_bases["customer"] + 1
    for table in ready.tables:
        moves = [(i, delta[t]) for i, c in enumerate(table.columns)
                 if (t := _points_to(table.name, c)) and delta[t]]  # fmt: skip
        if table.name == "customer":
            made = [(table.columns.index("email"), 0), (table.columns.index("email_key"), 1)]
        elif table.name == "customer_search":
            made = [(table.columns.index("doc"), 2)]
        else:
            made = []
        reference = table.columns.index("reference") if table.name == "payment" else -1
        id_at = table.columns.index("id") if "id" in table.columns else -1
        out: Params = []
        for row in table.params:
            values = list(row)
            for i, d in moves:
                if values[i] is not None:
                    values[i] += d
            if made:
                cid = values[
                    table.columns.index("id" if table.name == "customer" else "customer_id")
                ]
                remade = stamped(cid, ready.parts[cid - first])
                for i, which in made:
                    values[i] = remade[which]
            if reference >= 0:
                values[reference] = payment_reference(values[id_at])
            out.append(tuple(values))
        table.params = out


def _points_to(table: str, column: str) -> str | None:
    """The numbered table whose id `column` of `table` holds, if any."""
    if column == "id":
        return table if table == "customer" or table in CHILD_MODELS else None
    if column == "customer_id" or (table == "change_history" and column == "entity_id"):
        return "customer"
    return LINKS.get(column)
