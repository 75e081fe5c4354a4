"""vCard (3.0 and 4.0) import: cards split off a stream, each parsed by vobject.

vobject reads a whole stream into memory, so the file is cut into cards
here, line by line, and each card is parsed alone; photos are skipped.
vobject also builds a few kilobytes of objects per line and parameter, so
a card is refused before parsing when it has more than MAX_CARD_LINES
lines or MAX_CARD_PARAMS parameters (a 1.9 MB card of 200,000 parameters
took 722 MB); real cards have dozens. A card cut short (no END:VCARD
before the next BEGIN:VCARD, or before the end of the file) is reported
as a refused record, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import vobject

from crm_tui.services.exports.cells import neutralise
from crm_tui.services.imports.formats import (
    BAD_BYTES,
    MAX_CARD_CHARS,
    VCARD_HEADERS,
    LineTooLong,
    Source,
    SourceRecord,
    capped_lines,
    open_text,
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def _params(line: Any) -> set[str]:
    out: set[str] = set()
    for key, values in getattr(line, "params", {}).items():
        for value in values:
            out.update(part.strip().lower() for part in str(value).split(","))
        if key.upper() == "PREF":
            out.add("pref")
    return out


def _ranked(lines: list[Any], prefer: tuple[str, ...]) -> list[Any]:
    """Preferred values first (TYPE=pref or PREF=1), then the given types, then the rest."""

    def rank(line: Any) -> int:
        types = _params(line)
        if "pref" in types:
            return 0
        for index, wanted in enumerate(prefer, start=1):
            if wanted in types:
                return index
        return len(prefer) + 1

    return sorted(lines, key=rank)


def _uri_value(value: str, scheme: str) -> str:
    return value[len(scheme) :] if value.lower().startswith(scheme) else value


def _birthday(value: str) -> str:
    """19850412, 1985-04-12, 1985-04-12T00:00:00Z -> 1985-04-12; --0412 (no year) -> ''."""
    value = value.strip()
    if value.startswith("--"):
        return ""
    match = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", value)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else value


def card_cells(text: str) -> list[str]:
    """The row cells (in VCARD_HEADERS order) for one BEGIN:VCARD ... END:VCARD block."""
    card = vobject.readOne(text, ignoreUnreadable=True)
    contents: dict[str, list[Any]] = card.contents
    cells = dict.fromkeys(VCARD_HEADERS, "")
    cells["Full name"] = _text(contents["fn"][0].value) if "fn" in contents else ""
    if "n" in contents:
        name = contents["n"][0].value
        cells["First name"] = _text(getattr(name, "given", ""))
        cells["Last name"] = _text(getattr(name, "family", ""))
    if "org" in contents:
        org = contents["org"][0].value
        cells["Company"] = _text(org[0] if isinstance(org, list) and org else org)
    emails = [
        _uri_value(_text(e.value), "mailto:")
        for e in _ranked(contents.get("email", []), ("internet",))
    ]
    cells["E-mail"], cells["E-mail 2"] = (emails + ["", ""])[:2]
    phones = [
        _uri_value(_text(t.value), "tel:")
        for t in _ranked(contents.get("tel", []), ("cell", "mobile", "voice", "home", "work"))
    ]
    cells["Phone"], cells["Phone 2"] = (phones + ["", ""])[:2]
    if "bday" in contents:
        cells["Birthday"] = _birthday(_text(contents["bday"][0].value))
    if "url" in contents:
        cells["Website"] = _text(contents["url"][0].value)
    if "adr" in contents:
        address = _ranked(contents["adr"], ("home", "work"))[0].value
        street = _text(getattr(address, "street", "")).replace("\n", ", ")
        cells["Address line 1"] = street
        cells["Address line 2"] = _text(getattr(address, "extended", ""))
        cells["City"] = _text(getattr(address, "city", ""))
        cells["Region"] = _text(getattr(address, "region", ""))
        cells["Postal code"] = _text(getattr(address, "code", ""))
        cells["Country"] = _text(getattr(address, "country", ""))
    tags: list[str] = []
    for line in contents.get("categories", []):
        value = line.value
        tags.extend(value if isinstance(value, list) else str(value).split(","))
    cells["Tags"] = ", ".join(t.strip() for t in tags if t.strip())
    if "note" in contents:
        cells["Note"] = "\n".join(_text(n.value) for n in contents["note"])
    # The row goes through the same column picking as CSV, which drops one leading
    # apostrophe put there by a spreadsheet export; a vCard value has none to drop.
    return [neutralise(cells[h]) for h in VCARD_HEADERS]


def open_vcard(path: Path, size: int, encoding: str, notes: list[str]) -> Source:
    raw, text = open_text(path, encoding)
    source = Source(path, "vcard", encoding, list(VCARD_HEADERS), size, notes, _handle=raw)
    source._position = lambda: raw.tell() / max(size, 1)
    source._records = _vcard_records(text)
    return source


MAX_CARD_LINES = 5_000
MAX_CARD_PARAMS = 2_000
_PARAMS = re.compile(r"^[^:]*")


def _param_count(line: str) -> int:
    """Parameters on one content line: the ';' before its first ':'."""
    match = _PARAMS.match(line)
    return match.group().count(";") if match else 0


class _Card:
    """The lines of the card being read, and whether it is still worth parsing."""

    def __init__(self, number: int, first: str) -> None:
        self.number = number
        self.lines = [first]
        self.length = len(first)
        self.params = 0
        self.problem = ""
        self.skipping = False

    def add(self, line: str, upper: str) -> None:
        if self.problem:
            return
        self.length += len(line)
        if self.length > MAX_CARD_CHARS:
            self.refuse("The card is larger than 4 MB.")
            return
        if line[:1] in (" ", "\t"):
            if not self.skipping:
                self.lines.append(line)
            return
        # Photos and sounds are never imported; skip them (and their folded lines).
        self.skipping = upper.startswith(("PHOTO", "LOGO", "SOUND", "KEY"))
        if self.skipping:
            return
        self.params += _param_count(line)
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

    def refuse(self, problem: str) -> None:
        self.problem = problem
        self.lines = []  # memory stays bounded however long the card goes on

    def record(self) -> SourceRecord:
        if self.problem:
            return SourceRecord(self.number, [], self.problem)
        try:
            cells = card_cells("".join(self.lines))
        except Exception as exc:  # vobject raises many types for a malformed card
            return SourceRecord(self.number, [], f"The card could not be read: {exc}.")
        if BAD_BYTES.search("".join(cells)):
            return SourceRecord(
                self.number,
                [BAD_BYTES.sub("\ufffd", c) for c in cells],
                "The card holds bytes that are not valid UTF-8; re-save the file as UTF-8.",
            )
        return SourceRecord(self.number, cells)


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
        if upper == "BEGIN:VCARD":
            if card is not None:
                yield SourceRecord(
                    card.number,
                    [],
                    f"Card {card.number:,} has no END:VCARD before the next card "
                    f"(line {counter[0]:,}); add it and import the card again.",
                )
            number += 1
            card = _Card(number, line)
        elif card is not None and upper == "END:VCARD":
            card.lines.append(line)
            yield card.record()
            card = None
        elif card is not None:
            card.add(line, upper)
    if card is not None:
        yield SourceRecord(
            card.number,
            [],
            f"Card {card.number:,}, the last, has no END:VCARD; the file is cut short.",
        )
