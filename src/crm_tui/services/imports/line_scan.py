"""Finding a line too long for any customer export, before a CSV row is imported.

A CSV whose physical line runs past MAX_LINE_CHARS (4 MB; a 2 GB line, a
binary blob with a .csv name) is refused whole, in one sentence, before
anything is written. The file is read once more for this, in 1 MB chunks
counted in C (`bytes.find`), so memory stays flat however long the line
and the cost is a fraction of the import's own reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from crm_tui.services.imports import formats

CHUNK = 1024 * 1024


def refuse_long_lines(path: Path, encoding: str) -> None:
    """Raise ImportFileError (one sentence) when a line of the CSV at `path` is too long."""
    limit = formats.MAX_LINE_CHARS  # read at call time: tests prove it with a small one
    wide = 4 if "32" in encoding else 2 if "16" in encoding else 1  # bytes a character takes
    with path.open("rb") as stream:
        line = first_long_line(stream, limit * wide)
    if line is not None:
        size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
        raise formats.ImportFileError(
            f"{path.name} has a line longer than {size} (line {line:,}); "
            "no customer export has one, so nothing was imported."
        )


def first_long_line(stream: IO[bytes], limit_bytes: int) -> int | None:
    """The number of the first line longer than `limit_bytes`, or None."""
    line, run = 1, 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return None
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                run += len(chunk) - start
                if run > limit_bytes:
                    return line
                break
            if run + end - start > limit_bytes:
                return line
            line, run, start = line + 1, 0, end + 1
