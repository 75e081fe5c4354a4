"""The one rule for showing stored text (`crm_tui.text.literal`), checked on its own.

The app and the CLI both show stored text through it; tests/test_hostile_corpus.py
checks that they do, this file checks the rule.
"""

from __future__ import annotations

import codecs
import sys
import unicodedata

import pytest

from crm_tui.text import is_hidden, literal

EVERY_CODE_POINT = "".join(map(chr, range(sys.maxunicode + 1)))


def test_what_terminals_act_on_is_hidden_and_what_people_read_is_not() -> None:
    """C0, DEL, C1 and bidi controls are hidden; no letter, mark, digit, punctuation, symbol or space."""
    acted_on = [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    assert [f"U+{c:04X}" for c in acted_on if not is_hidden(chr(c))] == []
    read_but_hidden = [
        f"U+{ord(ch):04X}"
        for ch in EVERY_CODE_POINT
        if unicodedata.category(ch)[0] in "LMNPS" or unicodedata.category(ch) == "Zs"
        if is_hidden(ch)
    ]
    assert read_but_hidden == []


def test_no_hidden_character_survives_and_shown_ones_are_untouched() -> None:
    """Over all of Unicode: the output holds no hidden character, and shown text is kept as is."""
    shown = literal(EVERY_CODE_POINT)
    assert not any(is_hidden(ch) for ch in shown)
    visible = "".join(ch for ch in EVERY_CODE_POINT if not is_hidden(ch))
    assert literal(visible) == visible


def test_escapes_are_pythons_and_lossless() -> None:
    """Each hidden character becomes the escape Python would write, and decodes back to itself."""
    hidden = "".join(
        ch for ch in EVERY_CODE_POINT if is_hidden(ch) and unicodedata.category(ch) != "Cs"
    )
    shown = literal(hidden)
    assert shown.isascii()
    assert codecs.decode(shown, "unicode_escape") == hidden
    for ch in hidden:
        assert literal(ch) == repr(ch)[1:-1], f"U+{ord(ch):04X}"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("\x1b]0;pwned\x07Eve", "\\x1b]0;pwned\\x07Eve"),  # ESC is \x1b in the app and the CLI
        ("\x9b31mC1 CSI", "\\x9b31mC1 CSI"),
        ("a\tb\rc\nd", "a\\tb\\rc\\nd"),
        ("safe\r\nEVIL", "safe\\r\\nEVIL"),
        ("invoice\u202efdp.exe", "invoice\\u202efdp.exe"),
        ("\u200fmark \u061c\u2066iso\u2069", "\\u200fmark \\u061c\\u2066iso\\u2069"),
        ("a\u200bb\u2060c\ufeffd\xade", "a\\u200bb\\u2060c\\ufeffd\\xade"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("lone \ud800", "lone \\ud800"),
    ],
)
def test_hidden_characters_are_escaped(stored: str, shown: str) -> None:
    """Control, bidi, zero-width, separator and tag characters appear as escapes."""
    assert literal(stored) == shown


@pytest.mark.parametrize(
    "stored",
    [
        "[@click=app.quit]quit[/] [link=https://evil.example]x[/link] $name {0}",
        "\\x1b typed as four characters",
        "Zoë Ñúñez 张伟 محمد אבי",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",  # joiners inside an emoji
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian word with a ZWNJ
        "no\xa0break\u3000ideographic space",
        "e\u0301\u0301 stacked accents",
        "",
    ],
)
def test_visible_text_is_unchanged(stored: str) -> None:
    """Markup, backslashes, scripts, joiners and visible spaces are shown exactly as stored."""
    assert literal(stored) == stored


def test_multiline_keeps_line_breaks_only() -> None:
    """Multi-line text keeps its newlines (CRLF read as one); every other control is escaped."""
    assert literal("one\r\ntwo\nthree\x1b[2J\tfour\r", multiline=True) == (
        "one\ntwo\nthree\\x1b[2J\\tfour\\r"
    )
    assert literal("a\u2028b", multiline=True) == "a\\u2028b"


def test_values_that_are_not_text() -> None:
    """None is shown as nothing; other values as their str()."""
    assert literal(None) == ""
    assert literal(0) == "0"
    assert literal(12.5) == "12.5"
