"""vCard (2.1, 3.0 and 4.0) import: cards split off a stream, each read alone.

The file is cut into cards here, line by line, with a cap on a card's size.
vCard 2.1's quoted-printable values that continue onto the next line after
a soft break (a line ending in '=') are joined, so a long name or note is
not cut; photos, logos, sounds and keys are skipped whole (and counted as
not imported). `vcard_card` turns each card into a row. A card is refused
before it is read when it has more than MAX_CARD_LINES lines or
MAX_CARD_PARAMS parameters (real cards have dozens), and memory stays
bounded however long it goes on. A card cut short (no END:VCARD before the
next BEGIN:VCARD, or before the end of the file) is reported as a refused
record, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from crm_tui.services.exports.cells import neutralise
from crm_tui.services.imports.formats import (
    BAD_BYTES,
    MAX_CARD_CHARS,
    LineTooLong,
    Source,
    SourceRecord,
    capped_lines,
    open_text,
)
from crm_tui.services.imports.vcard_card import BINARY, VCARD_HEADERS, card_row

_BINARY = ("PHOTO", "LOGO", "SOUND", "KEY")
MAX_CARD_LINES = 5_000
MAX_CARD_PARAMS = 2_000


def open_vcard(path: Path, size: int, encoding: str, notes: list[str]) -> Source:
    raw, text = open_text(path, encoding)
    source = Source(path, "vcard", encoding, list(VCARD_HEADERS), size, notes, _handle=raw)
    source._position = lambda: raw.tell() / max(size, 1)
    source._records = _vcard_records(text)
    return source


def _property(line: str) -> str:
    """'item1.TEL;TYPE=cell:...' -> 'TEL'."""
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.rsplit(".", 1)[-1].strip().upper()


def _soft_break(line: str) -> bool:
    """A quoted-printable value that goes on in the next line (vCard 2.1)."""
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head and line.rstrip("\r\n").endswith("=")


class _Card:
    """The lines of the card being read."""

    def __init__(self, number: int, first: str) -> None:
        self.number = number
        self.lines = [first]
        self.length = len(first)
        self.params = 0
        self.problem = ""
        self.skipping = False  # inside a photo (or other binary) property
        self.continued = False  # the last line ended in a quoted-printable soft break
        self.skipped: list[str] = []

    def refuse(self, problem: str) -> None:
        self.problem = problem
        self.lines = []  # memory stays bounded however long the card goes on

    def add(self, line: str) -> None:
        if self.problem:
            return
        self.length += len(line)
        if self.length > MAX_CARD_CHARS:
            self.refuse("The card is larger than 4 MB.")
            return
        if self.continued:
            self.lines[-1] = self.lines[-1].rstrip("\r\n")[:-1] + line  # QP: the space is text
            self.continued = _soft_break(self.lines[-1])
            return
        if line[:1] in (" ", "\t") or (self.skipping and not line.strip()):
            if not self.skipping:
                self.lines.append(line)
            return
        name = _property(line)
        self.skipping = name in _BINARY
        if self.skipping:
            self.skipped.append(name.title())
            return
        self.params += line.split(":", 1)[0].count(";")
        if len(self.lines) >= MAX_CARD_LINES:
            self.refuse(
                f"The card has more than {MAX_CARD_LINES:,} lines; a contact card has dozens."
            )
        elif self.params > MAX_CARD_PARAMS:
            self.refuse(
                f"The card has more than {MAX_CARD_PARAMS:,} parameters; a contact card has dozens."
            )
        else:
            self.lines.append(line)
            self.continued = _soft_break(line)


def _record(card: _Card) -> SourceRecord:
    number = card.number
    if card.problem:
        return SourceRecord(number, [], card.problem)
    try:
        row = card_row(card.lines)
    except ValueError as exc:
        return SourceRecord(number, [], f"The card could not be read: {exc}.")
    leftovers = row.leftovers + [(name, BINARY) for name in card.skipped]
    cells = [row.cells[h] for h in VCARD_HEADERS]
    if BAD_BYTES.search("".join(cells)):
        return SourceRecord(
            number,
            [BAD_BYTES.sub("\ufffd", c) for c in cells],
            "The card holds bytes that are not valid UTF-8; re-save the file as UTF-8.",
        )
    # The row goes through the same column picking as CSV, which drops one leading
    # apostrophe put there by a spreadsheet export; a vCard value has none to drop.
    return SourceRecord(number, [neutralise(c) for c in cells], leftovers=leftovers)


def _vcard_records(stream: IO[str]) -> Iterator[SourceRecord]:
    counter = [0]
    lines = capped_lines(stream, counter)
    number = 0
    card: _Card | None = None
    while True:
        try:
            line = next(lines)
        except StopIteration:
            break
        except LineTooLong as exc:
            if card is not None:
                card.refuse("The card is larger than 4 MB.")
            else:
                number += 1
                yield SourceRecord(number, [], f"Line {exc.line:,} is longer than 4 MB.")
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD" and (card is None or not card.continued):
            if card is not None:
                yield SourceRecord(
                    card.number,
                    [],
                    f"Card {card.number:,} has no END:VCARD before the next card "
                    f"(line {counter[0]:,}); add it and import the card again.",
                )
            number += 1
            card = _Card(number, line)
        elif card is not None and upper == "END:VCARD" and not card.continued:
            card.lines.append(line)
            yield _record(card)
            card = None
        elif card is not None:
            card.add(line)
    if card is not None:
        yield SourceRecord(
            card.number,
            [],
            f"Card {card.number:,}, the last, has no END:VCARD; the file is cut short.",
        )
