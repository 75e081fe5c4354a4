"""Reading import files safely: CSV, XLSX and vCard, one record at a time.

The kind of file is decided by its content, not its name: a ZIP holding a
workbook is XLSX, text starting with BEGIN:VCARD is vCard, other text is CSV,
and anything else (binary garbage, an old .xls, a PDF) is refused with one
sentence. Nothing is ever read whole: CSV and vCard stream line by line with
a cap on the length of a line, XLSX is checked for zip bombs (total size and
expansion ratio) before openpyxl opens it in read-only streaming mode, with
defusedxml installed so entity tricks in the XML are refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crm_tui.services.errors import CrmError
from crm_tui.services.imports.csv_quotes import LineRecorder, stray_quote_message, swallowed_rows
from crm_tui.services.imports.encodings import detect_encoding, looks_binary, wrong_encoding

SNIFF_BYTES = 64 * 1024
MAX_LINE_CHARS = 4 * 1024 * 1024  # no clerk's export has a 4 MB line
MAX_FIELD_CHARS = 1024 * 1024
MAX_CARD_CHARS = 4 * 1024 * 1024
XLSX_MAX_UNCOMPRESSED = 1024**3  # 1 GiB of XML in total
XLSX_MAX_RATIO = 200  # real sheets compress 5-30x; zip bombs 1,000x and more
XLSX_RATIO_FLOOR = 1024 * 1024  # tiny members may compress oddly; ignore their ratio
FAILED_START = 20  # this many unreadable records in a row at the start: not a CSV

_MAGIC = [
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office 97) file; save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"SQLite format 3", "a SQLite database"),
    (b"\x7fELF", "a program, not data"),
    (b"MZ", "a Windows program, not data"),
]


class ImportFileError(CrmError):
    """The file cannot be imported at all (wrong type, unreadable, too big)."""


@dataclass
class SourceRecord:
    """One record as read: `number` is the line (CSV), row (XLSX) or card number."""

    number: int
    cells: list[str]
    error: str | None = None
    # A stray quote: what follows is read again only if the reader is asked
    # for another record; importing stops here unless the user accepts.
    halts: bool = False
    leftovers: list[tuple[str, str]] = field(default_factory=list)  # (name, value) with no cell

    def __reduce__(self) -> tuple[Any, ...]:
        # Every record travels pickled from the import's reading process (pipeline):
        # rebuilt from its fields in order, it loads in about a third of the time the
        # default (a new object and its __dict__ set) takes: ~15 us a row of the writer's.
        return (SourceRecord, (self.number, self.cells, self.error, self.halts, self.leftovers))


@dataclass
class Source:
    """An open import file: its headers, and its records streamed on demand."""

    path: Path
    kind: str  # csv | xlsx | vcard
    encoding: str | None
    headers: list[str]
    size: int
    notes: list[str] = field(default_factory=list)
    _records: Iterator[SourceRecord] | None = None
    _handle: Any = None
    _position: Any = None

    def records(self) -> Iterator[SourceRecord]:
        assert self._records is not None
        return self._records

    def fraction_done(self) -> float:
        """How far through the file reading has got, 0..1."""
        if self._position is None:
            return 0.0
        try:
            return min(1.0, float(self._position()))
        except (ValueError, OSError):
            return 1.0

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# --- opening ---------------------------------------------------------------------


def open_source(path: Path | str) -> Source:
    """Open `path` for import, deciding its kind from its content."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"There is no file at {path}.")
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder; give the path of a CSV, XLSX or vCard file.")
    try:
        size = path.stat().st_size
        with path.open("rb") as probe:
            head = probe.read(SNIFF_BYTES)
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from exc
    if size == 0 or not head.strip():
        raise ImportFileError(f"{path.name} is empty.")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        from crm_tui.services.imports.xlsx import open_xlsx

        return open_xlsx(path, size)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(f"{path.name} is {what}; import reads CSV, XLSX or vCard files.")
    encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="replace")
    if looks_binary(sample):
        raise ImportFileError(
            f"{path.name} does not look like text or a spreadsheet (it holds binary data); "
            "import reads CSV, XLSX or vCard files."
        )
    if wrong_encoding(sample, encoding):
        raise ImportFileError(
            f"{path.name} is text in an encoding that cannot be recognised (import reads UTF-8, "
            "UTF-16, UTF-32 and Windows-1252); save it as UTF-8 and import it again."
        )
    notes: list[str] = []
    suffix = path.suffix.lower()
    if sample.lstrip("\ufeff \r\n\t").upper().startswith("BEGIN:VCARD"):
        if suffix not in (".vcf", ".vcard", ""):
            notes.append(f"The file is named {suffix} but holds vCards; read as vCard.")
        from crm_tui.services.imports.vcard import open_vcard

        return open_vcard(path, size, encoding, notes)
    if suffix in (".xlsx", ".xlsm"):
        notes.append(f"The file is named {suffix} but holds text; read as CSV.")
    from crm_tui.services.imports.line_scan import refuse_long_lines

    refuse_long_lines(path, encoding)
    return _open_csv(path, size, encoding, sample, notes)


# --- CSV ------------------------------------------------------------------------


class LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _CappedLines:
    """Lines of at most MAX_LINE_CHARS; a longer one is skipped whole and reported.

    A class, not a generator: raising LineTooLong from a generator would end
    it, and the rows after the long line must still be read.
    """

    def __init__(self, stream: IO[str], counter: list[int]) -> None:
        self.stream = stream
        self.counter = counter

    def __iter__(self) -> _CappedLines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_LINE_CHARS)
        if not line:
            raise StopIteration
        self.counter[0] += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith("\n"):
            while True:
                rest = self.stream.readline(MAX_LINE_CHARS)
                if not rest or rest.endswith("\n"):
                    break
            raise LineTooLong(self.counter[0])
        return line


def capped_lines(stream: IO[str], counter: list[int]) -> Iterator[str]:
    return _CappedLines(stream, counter)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def open_text(path: Path, encoding: str) -> tuple[IO[bytes], IO[str]]:
    raw = path.open("rb")
    errors = "surrogateescape" if encoding.startswith("utf-8") else "replace"
    text = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
    return raw, text


BAD_BYTES = re.compile("[\udc80-\udcff]")


def _open_csv(path: Path, size: int, encoding: str, sample: str, notes: list[str]) -> Source:
    raw, text = open_text(path, encoding)
    counter = [0]
    lines = capped_lines(text, counter)
    csv.field_size_limit(MAX_FIELD_CHARS)
    first = sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    if first.lower().startswith("sep=") and len(first) >= 5:
        delimiter = first[4]
        next(lines, None)  # Excel's "sep=;" hint line
        first = ""
    else:
        delimiter = ""
    headers: list[str] = []
    reader: Any = None
    recorder: LineRecorder | None = None
    try:
        while not headers:
            if reader is None:
                body = lines
                read = counter[0]
                if not delimiter:
                    peek = next(body, None)
                    if peek is None:
                        break
                    delimiter = _delimiter(peek)
                    body = _chain(peek, lines)
                recorder = LineRecorder(body, first_line=read)
                reader = csv.reader(recorder, delimiter=delimiter)
            row = next(reader, None)
            if row is None:
                break
            headers = [h.strip().lstrip("\ufeff") for h in row]
            if not any(headers):
                headers = []
    except (LineTooLong, csv.Error) as exc:
        raw.close()
        raise ImportFileError(
            f"{path.name} does not look like a CSV file: its header line cannot be read."
        ) from exc
    if not headers:
        raw.close()
        raise ImportFileError(f"{path.name} has no header row.")
    if len(headers) == 1 and len(headers[0]) > 200:
        raw.close()
        raise ImportFileError(f"{path.name} does not look like a CSV file: no columns found.")
    source = Source(path, "csv", encoding, headers, size, notes, _handle=raw)
    source._position = lambda: raw.tell() / max(size, 1)
    assert recorder is not None
    source._records = _csv_records(path, reader, recorder, delimiter, len(headers))
    return source


class _Chain:
    """`first`, then the lines of `rest` (errors from `rest` pass through, reading goes on)."""

    def __init__(self, first: str, rest: Iterator[str]) -> None:
        self.first: str | None = first
        self.rest = rest

    def __iter__(self) -> _Chain:
        return self

    def __next__(self) -> str:
        if self.first is not None:
            line, self.first = self.first, None
            return line
        return next(self.rest)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    return _Chain(first, rest)


def _csv_records(
    path: Path, reader: Any, lines: LineRecorder, delimiter: str, width: int
) -> Iterator[SourceRecord]:
    good = 0
    failed_in_a_row = 0
    while True:
        start = lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except LineTooLong as exc:
            yield SourceRecord(exc.line, [], f"Line {exc.line:,} is longer than 4 MB.")
            failed_in_a_row += 1
        except csv.Error as exc:
            yield SourceRecord(start, [], f"The record could not be read as CSV: {exc}.")
            failed_in_a_row += 1
        else:
            if swallowed_rows(lines.taken, delimiter, width):
                rest = lines.taken[1:]
                yield SourceRecord(
                    start, [], stray_quote_message(start, len(rest)) + ".", halts=True
                )
                # Asked for more (the user accepted): read on from the next line.
                lines.push_back(rest)
                continue
            if not any(cell.strip() for cell in row):
                continue
            failed_in_a_row = 0
            good += 1
            cells = row  # a new list from csv.reader for every record
            # One search over the joined cells: a match is one character, so it is in the
            # joined text exactly when it is in a cell.
            if BAD_BYTES.search("".join(cells)):
                yield SourceRecord(
                    start,
                    [BAD_BYTES.sub("\ufffd", c) for c in cells],
                    "The row holds bytes that are not valid UTF-8; re-save the file as UTF-8.",
                )
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield SourceRecord(
                    start,
                    cells[:width],
                    f"The row has {len(cells)} cells but the header has {width}; "
                    "check for an unquoted separator.",
                )
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            yield SourceRecord(start, cells[:width] if len(cells) > width else cells)
            continue
        if good == 0 and failed_in_a_row >= FAILED_START:
            raise ImportFileError(
                f"{path.name} does not look like a CSV file: its first "
                f"{FAILED_START} records cannot be read."
            )
