"""A batch of an export's rows as CSV text, exactly as csv.writer writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any


class TextBatch(str):
    """A batch of CSV lines; `len` is its number of customers."""

    rows: int

    def __new__(cls, text: str, rows: int) -> TextBatch:
        batch = super().__new__(cls, text)
        batch.rows = rows
        return batch

    def __len__(self) -> int:
        return self.rows


def writer_text(rows: Iterable[Sequence[Any]]) -> str:
    """The rows as csv.writer writes them to a file (CRLF after each)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


class _Lines:
    """A file for csv.writer that keeps each row it writes, as a string of its own."""

    __slots__ = ("write",)

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
    """What `writer_text` writes for `rows`, sooner. csv.writer looks every character of every
    cell up in the line terminator, a call each: most of its time. With no terminator
    that look-up ends at once; the rows are then joined with CRLF. Only a cell holding
    CR or LF is quoted for the terminator's sake, so the text is the same unless a cell
    holds one: then it has more CRs or LFs than rows, and `writer_text` writes the batch."""
    lines: list[str] = []
    csv.writer(_Lines(lines), lineterminator="").writerows(rows)
    if not lines:
        return ""
    text = "\r\n".join(lines) + "\r\n"
    if text.count("\r") != len(lines) or text.count("\n") != len(lines):
        return writer_text(rows)
    return text
