"""vCard content lines read by hand: `[group.]NAME;PARAM=VALUE:value`.

vobject (0.9.9) cuts a NOTE, FN or TITLE at its first unescaped comma
("Call back, after 5" is stored as "Call back"), which Outlook and most
vCard 2.1 writers never escape, and it refuses a whole card over one
PROFILE line or one undecodable byte. The line grammar is small (RFC 2425
section 5.8.1, RFC 6350 section 3.3), so import reads it here: unfolding,
parameters (2.1's bare TYPE words included), quoted-printable with its
charset, and the backslash escapes of 3.0 and 4.0.
"""

from __future__ import annotations

import codecs
import quopri
import re
from dataclasses import dataclass, field

_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\"}


@dataclass
class ContentLine:
    """One property of a card."""

    name: str  # upper case, group removed
    value: str  # as written (escapes still in)
    group: str = ""
    params: dict[str, list[str]] = field(default_factory=dict)  # upper-case keys

    @property
    def types(self) -> set[str]:
        """TYPE values and 2.1's bare words, lower case ('cell', 'pref', 'work')."""
        found = {t.lower() for t in self.params.get("TYPE", [])}
        if "PREF" in self.params:
            found.add("pref")
        return found

    def text(self) -> str:
        return unescape(self.value).strip()

    def parts(self) -> list[str]:
        """A structured value's components (N, ADR, ORG), each unescaped."""
        return [", ".join(unescape(v).strip() for v in split(p, ",") if v.strip())
                for p in split(self.value, ";")]  # fmt: skip

    def items(self) -> list[str]:
        """A list value's items (CATEGORIES, NICKNAME)."""
        return [item for item in (unescape(v).strip() for v in split(self.value, ",")) if item]


def unescape(text: str) -> str:
    r"""'a\,b\nc' -> 'a,b' + newline + 'c'; Apple's 'http\://' -> 'http://'."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def split(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not escaped with a backslash."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unfold(lines: list[str]) -> list[str]:
    """Physical lines -> logical ones: a line starting with a space or tab continues."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if line[:1] in (" ", "\t") and out:
            out[-1] += line[1:]
        elif line.strip():
            out.append(line)
    return out


def _head_and_value(line: str) -> tuple[str, str]:
    """Split at the first colon outside a quoted parameter value."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], line[index + 1 :]
    raise ValueError(f"the line {line[:40]!r} has no ':'")


def parse_line(line: str) -> ContentLine:
    head, value = _head_and_value(line)
    name, *raw_params = [p.strip() for p in split(head, ";")]
    group, _dot, name = name.rpartition(".")
    params: dict[str, list[str]] = {}
    for raw in raw_params:
        key, equals, given = raw.partition("=")
        if not equals:  # vCard 2.1: TEL;CELL;PREF, or ENCODING words on their own
            key, given = ("ENCODING", raw) if raw.upper() in ("QUOTED-PRINTABLE", "BASE64", "8BIT") else ("TYPE", raw)  # fmt: skip
        values = [v.strip().strip('"') for v in given.split(",") if v.strip()]
        params.setdefault(key.strip().upper(), []).extend(values)
    content = ContentLine(name.strip().upper(), value, group, params)
    if any(v.upper() == "QUOTED-PRINTABLE" for v in params.get("ENCODING", [])):
        content.value = _quoted_printable(value, params.get("CHARSET", ["utf-8"])[0])
    return content


def _quoted_printable(value: str, charset: str) -> str:
    """Decode a 2.1 quoted-printable value; one bad byte becomes U+FFFD, not a lost card."""
    try:
        codecs.lookup(charset)
    except LookupError as exc:
        raise ValueError(f"the charset {charset!r} is unknown") from exc
    raw = quopri.decodestring(value.encode("ascii", errors="replace"))
    text = raw.decode(charset, errors="replace")
    # Decoded line breaks become the escape a 3.0 value would have used.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def parse_card(lines: list[str]) -> list[ContentLine]:
    """The properties of one card (BEGIN, END and VERSION lines left out)."""
    out = []
    for line in unfold(lines):
        try:
            content = parse_line(line)
        except ValueError:
            if ":" in line:
                raise  # an unknown charset: the card cannot be read right
            # A line that is no property (stray text): kept as a value not imported.
            content = ContentLine("UNREADABLE LINE", line.replace("\\", "\\\\"))  # see UNREADABLE
        if content.name not in ("BEGIN", "END", "VERSION"):
            out.append(content)
    return out
