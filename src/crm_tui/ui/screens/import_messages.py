"""What the import screen's workers tell it: the preview read, progress, a question
about a stray quote, the import done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from crm_tui.services.imports.service import ImportPreview, ImportSummary


@dataclass
class PreviewRead(Message):
    """The file's mapping and its first rows as they would be saved."""

    preview: ImportPreview


@dataclass
class Progressed(Message):
    """How far the import is, and what it has done so far."""

    fraction: float
    label: str


@dataclass
class StrayQuoteFound(Message):
    """A quote opened on `line` never closes: the import's worker waits for `answer`."""

    line: int
    reason: str
    answer: Callable[[bool | None], None]


@dataclass
class Imported(Message):
    """The import (or dry run) finished or stopped: what it did."""

    summary: ImportSummary
