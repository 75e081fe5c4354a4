"""The demo's drawing process (`python -m crm_tui.services.demo.drawing_process`).

Reads its arguments (seed, as-of day, references, batch sizes, each table's
largest id) as one pickle on stdin, then writes each batch as a pickled
`drawer.Ready` on stdout and, last, ("rng", the generator's state) or
("error", a traceback). While it draws, stdin brings (index, ends) for each
batch the writer had to place past other rows: the batches drawn after
follow from there (see drawer.py).
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import sys
import threading
import traceback
from typing import Any, BinaryIO

from sqlalchemy.dialects import sqlite

from crm_tui.models import Payment
from crm_tui.services.demo.bulk_insert import BulkInsert
from crm_tui.services.demo.drawer import Ready, Table
from crm_tui.services.demo.generate import DemoRows
from crm_tui.services.demo.ids import CHILD_MODELS, payment_reference


def main() -> None:
    # The rows hold no reference cycles and the process lives for one load: collections
    # would walk millions of rows over and over for nothing (about a tenth of its time).
    gc.disable()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the batches
    try:
        seed, as_of, references, sizes, bases = pickle.load(sys.stdin.buffer)
        ends: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=_listen, args=(sys.stdin.buffer, ends), daemon=True).start()
        rows = DemoRows(seed, as_of, references)
        bulk, dialect = BulkInsert(), sqlite.dialect()
        sent: dict[int, dict[str, int]] = {}
        for index, size in enumerate(sizes):
            bases = _follow(bases, sent, ends)
            batch = rows.batch(size, bases)
            counts = {key: len(batch.rows.get(model, [])) for key, model in CHILD_MODELS.items()}
            counts["customer"] = size
            for payment in batch.rows[Payment]:  # numbered as drawn: only what is made of ids
                payment["reference"] = payment_reference(payment["id"])
            batch.stamp(range(bases["customer"] + 1, bases["customer"] + 1 + size))
            tables = [Table(model.__table__.name, *bulk.prepare(dialect, model.__table__, values))
                      for model, values in batch.rows.items() if values]  # fmt: skip
            _send(out, Ready(index, size, dict(bases), tables, batch.parts))
            sent[index] = counts
            bases = {key: base + counts[key] for key, base in bases.items()}
        _send(out, ("rng", rows.rng.getstate()))
    except BrokenPipeError:
        pass  # the writer stopped: nobody to draw for
    except BaseException:
        _send(out, ("error", traceback.format_exc()))


def _send(out: BinaryIO, item: Any) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _listen(source: BinaryIO, ends: queue.Queue[Any]) -> None:
    try:
        while True:
            ends.put(pickle.load(source))
    except (EOFError, OSError, pickle.UnpicklingError):
        return


def _follow(bases: dict[str, int], sent: dict[int, dict[str, int]], ends: Any) -> dict[str, int]:
    """Bases for the next batch: past the last batch the writer placed past other rows,
    where the tables really ended then, plus the batches drawn since."""
    while True:
        try:
            index, real = ends.get_nowait()
        except queue.Empty:
            return bases
        for done in [i for i in sent if i <= index]:
            del sent[done]
        bases = {key: real[key] + sum(c[key] for c in sent.values()) for key in real}


if __name__ == "__main__":
    main()
    # Everything is sent and flushed; the stdin listener may be inside a read, which
    # interpreter shutdown would wait on (and abort over): leave at once.
    sys.stderr.flush()
    os._exit(0)
