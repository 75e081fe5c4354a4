"""Finding the quote that swallows the rest of a CSV file.

A field that opens with a quote runs until the next quote, across line
ends: that is how a CSV holds a multi-line address. A stray quote (a
first name typed as `"Stray`) therefore makes every following line part
of one field, and a reader would report one long row where there were
twenty. Such a record is told from a real multi-line field by what it
swallowed: a quote that never closes before the end of the file (an odd
number of quote characters), or a swallowed line that has a whole row's
worth of separators. Such a line is refused and reading stops there,
unless the user accepts (`accepts`): then the lines it swallowed are read
again as rows of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

QUOTE = '"'


class LineRecorder:
    """The lines a csv.reader takes, kept per record so a bad record can be re-read.

    `line` is the number of the last line handed out. `push_back` returns
    lines to be read again (the csv module keeps no state between records,
    so reading simply resumes with them).
    """

    def __init__(self, lines: Iterator[str], first_line: int = 0) -> None:
        self.lines = lines
        self.taken: list[str] = []
        self.pushed: list[str] = []
        self.line = first_line

    def __iter__(self) -> LineRecorder:
        return self

    def __next__(self) -> str:
        line = self.pushed.pop() if self.pushed else next(self.lines)
        self.line += 1
        self.taken.append(line)
        return line

    def start_record(self) -> int:
        """Forget the last record's lines; the number of the line the next one starts on."""
        self.taken = []
        return self.line + 1

    def push_back(self, lines: list[str]) -> None:
        self.pushed.extend(reversed(lines))
        self.line -= len(lines)


def swallowed_rows(taken: list[str], delimiter: str, width: int) -> bool:
    """The record's lines show a stray quote rather than a multi-line field."""
    if len(taken) < 2:
        return False
    if sum(line.count(QUOTE) for line in taken) % 2:
        return True  # the quote never closes: the file ended inside it
    if width < 3:
        return False
    return any(line.count(delimiter) >= width - 1 for line in taken[1:])


def stray_quote_message(line: int, swallowed: int) -> str:
    return (
        f"Line {line:,} opens a quote that does not close where its row ends, "
        f"so the {swallowed:,} line(s) after it would be read as part of one cell"
    )


def accepts(answer: bool | Callable[[int, str], bool], line: int, reason: str) -> bool:
    """The user's answer to "import the rows after this line?": given, or asked now."""
    return answer(line, reason) if callable(answer) else answer
