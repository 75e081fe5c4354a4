"""Each worker's record of acknowledged writes: one JSON line per write, fsynced.

A line is written only after the service call returned (so after COMMIT
returned), and flushed to disk before the next write starts, so whatever a
worker journalled before it was killed is what the database must hold.
A torn last line (killed while writing it) is ignored: that write was
acknowledged to nobody.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


class Journal:
    """Append-only, fsync per entry."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] = path.open("a", encoding="utf-8")

    def append(self, entry: dict[str, Any]) -> None:
        self._fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


@dataclass(frozen=True)
class Entry:
    """One journal line: `op` is note | payment | field | tag | conflict | refused | failure."""

    worker: str
    data: dict[str, Any]

    @property
    def op(self) -> str:
        return str(self.data["op"])

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


def read_entries(folder: Path) -> Iterator[Entry]:
    """Every complete line of every `*.jsonl` journal in `folder`."""
    for path in sorted(folder.glob("*.jsonl")):
        yield from read_journal(path)


def read_journal(path: Path) -> Iterator[Entry]:
    """The complete lines of one journal (none when the worker died before its first)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break  # torn by a kill: never acknowledged
            yield Entry(worker=path.stem, data=json.loads(line))
