"""Ctrl-C during an import, export, demo load, merge or erase: stop cleanly, then say so.

The first Ctrl-C only asks the running job to stop after the batch in hand
(the job's `cancelled` callback turns true), so what was committed is
known exactly and no database call is torn apart mid-statement. A second
Ctrl-C stops at once (KeyboardInterrupt; the batch in hand rolls back).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_requests(what: str, *, batches: bool = True) -> Iterator[Callable[[], bool]]:
    """Yield `requested()`: True once Ctrl-C was pressed inside the block.

    `batches=False` is for one short transaction (a merge, an erase): it is
    let finish, so the command can say truthfully whether it was saved.
    """
    when = "after the current batch" if batches else "once it is saved"
    pressed: list[bool] = []

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(True)
        if sys.stderr.isatty():  # feedback for a person; a script gets only the final sentence
            sys.stderr.write(f"\nStopping {what} {when} (Ctrl-C again stops now)…\n")

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (tests): no handler, never requested
        yield lambda: False
        return
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous)
