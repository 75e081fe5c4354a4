"""The one rule for showing stored text: literally, with every invisible character made visible.

A customer name can hold anything a clerk, an import or an attacker typed:
markup (`[@click=app.quit]`), ANSI/OSC sequences that recolour, retitle or
write to the clipboard of the terminal that prints them, bidi overrides that
reorder the rest of a line, zero-width characters that make two names look
alike. The app and the `crm` commands show such text through `literal()`:

- control characters (Unicode Cc: C0, DEL, C1), format characters (Cf: bidi
  marks, overrides and isolates, zero-width space, word joiner, byte order
  mark, soft hyphen, tag characters), line and paragraph separators (Zl, Zp)
  and lone surrogates (Cs) are written as escapes: `\\t`, `\\n`, `\\r`, else
  `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN` (ESC is `\\x1b`), as Python's `repr` does;
- the zero-width joiner and non-joiner are kept: Persian and Indic scripts
  and emoji sequences need them, and they reorder or hide nothing;
- multi-line text (a note's body) keeps its line breaks (`\\r\\n` read as one);
- markup is never interpreted: `literal()` returns a plain `str`, which
  callers print as is or wrap in rich `Text` / Textual `Content` (never in a
  markup string).

A backslash typed by a user is shown as it is, so `\\x1b` typed as four
characters looks like an escaped ESC; that is cosmetic, never a live sequence.

The CLI imports this module, so it must never import Textual (the import
contract in pyproject.toml says so); it needs nothing but the standard library.
"""

from __future__ import annotations

import unicodedata

# Categories that are invisible, move the cursor or reorder text on a terminal.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Format characters that writing systems and emoji need, shown as themselves.
_JOINERS = frozenset({"\u200c", "\u200d"})
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_hidden(char: str) -> bool:
    """True when `char` (one character) is shown as an escape rather than as itself."""
    return char not in _JOINERS and unicodedata.category(char) in _HIDDEN_CATEGORIES


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _line(text: str) -> str:
    # isprintable() is False for every hidden category (and a few shown ones, such
    # as a no-break space), so most text skips the character walk.
    if text.isprintable():
        return text
    return "".join(_escape(char) if is_hidden(char) else char for char in text)


def literal(value: object, *, multiline: bool = False) -> str:
    """`value` as text safe to show or print: hidden characters escaped, `None` as ""."""
    if value is None:
        return ""
    text = str(value)
    if not multiline:
        return _line(text)
    return "\n".join(_line(line) for line in text.replace("\r\n", "\n").split("\n"))
