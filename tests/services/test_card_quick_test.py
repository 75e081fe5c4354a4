"""The quick test for 13 digits close together (card_numbers._ENOUGH) answers as the plain
pattern it replaced: yes for the same texts, hostile ones included."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.services.card_numbers import _ENOUGH, SEPARATOR_CLASS

# Every digit, with separators between, tried from every digit.
PLAIN = re.compile(rf"(?:\d(?:{SEPARATOR_CLASS}++)?){{12}}\d")
# Digits (ASCII, full-width, Arabic-Indic), separators of each kind, NULs (the row
# joiner), letters and plain punctuation that separates nothing.
PIECES = st.sampled_from([
    "0", "4", "9", "1111", "4111111111", "\uff14", "\u0664", " ", "  ", "-", "\u200b",
    "\u00ad", "\n", "\x00", "\x1f", "+", ".", "\\", "\u2212", "a", "é", "/", ",", "(",
])  # fmt: skip
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None, database=None)
@given(TEXTS)
def test_the_quick_test_finds_what_the_plain_pattern_finds(text: str) -> None:
    assert (_ENOUGH.search(text) is None) == (PLAIN.search(text) is None), repr(text)


def test_runs_that_start_anywhere_are_found() -> None:
    """A run of 13 digits inside a longer run, after a separator or glued to words."""
    for text in ["x4111111111111", "12345678901234567", "1-2-3-4-5-6-7-8-9-0-1-2-3",
                 "+44 7400 000001 2", "ab1\u200b234567890123cd"]:  # fmt: skip
        assert _ENOUGH.search(text) and PLAIN.search(text), text
    for text in ["447400000001", "1-2-3-4-5-6-7-8-9-0-1-2", "123456 a 1234567"]:
        assert not _ENOUGH.search(text) and not PLAIN.search(text), text
