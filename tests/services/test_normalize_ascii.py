"""The ASCII shortcut of search normalisation gives what the general path gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crm_tui.services.search.query import normalize, normalize_unicode

ASCII = "".join(chr(i) for i in range(128))


def test_every_ascii_character_alone_and_together() -> None:
    for ch in ASCII:
        assert normalize(f"A{ch}b {ch}") == normalize_unicode(f"A{ch}b {ch}")
    assert normalize(ASCII) == normalize_unicode(ASCII)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text(text: str) -> None:
    assert normalize(text) == normalize_unicode(text)


def test_other_text_takes_the_general_path() -> None:
    assert normalize("  Ångström  MÜLLER\u00a0ﬁ ") == "angstrom muller fi"
