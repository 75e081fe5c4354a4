"""Printing stored text literally: no markup, no live escape sequences.

A customer name can hold anything a clerk (or an import) typed, including
ANSI/OSC sequences that would recolour, retitle or write to the clipboard of
the terminal that prints it. Control characters (C0, DEL, C1) and the Unicode
bidi overrides are shown as visible escapes instead.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\x1b": "\\e", "\t": "\\t", "\r": "\\r", "\n": "\\n"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(value: object, *, keep_newlines: bool = False) -> str:
    """`value` as text that is safe to write to a terminal."""
    if value is None:
        return ""
    text = str(value)
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in text.replace("\t", " ").split("\n"))
    return _UNSAFE.sub(_escape, text.replace("\n", "\\n").replace("\t", "\\t"))
