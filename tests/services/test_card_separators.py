"""Card numbers written with any separator Unicode has are still card numbers (issue 18).

The adversarial run stored `+4111 1111 1111 1111`, zero-width spaces, four
spaces, soft hyphens, word joiners and newlines between the groups in every
free-text field; an imported file named after a card number landed in the
change history.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import ChangeRecord
from crm_tui.services.card_numbers import SEPARATOR_CLASS, contains_card_number
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

GROUPS = ["4111", "1111", "1111", "1111"]
SEPARATED = {
    "zero-width space": "\u200b",
    "four spaces": "    ",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
    "newline": "\n",
    "CRLF": "\r\n",
    "line separator": "\u2028",
    "ideographic space": "\u3000",
    "BOM": "\ufeff",
    "non-breaking hyphen": "\u2011",
    "minus sign": "\u2212",
    "middle dot": "\u00b7",
    "full-width stop": "\uff0e",
    "plus": "+",
    "tab and spaces": " \t ",
    "bidi marks": "\u200e\u200f",
}


@pytest.mark.parametrize("name", sorted(SEPARATED))
def test_any_separator_between_groups(name: str) -> None:
    """The number is found whatever stands between its groups, however many."""
    assert contains_card_number(SEPARATED[name].join(GROUPS))
    assert contains_card_number(f"paid with {(SEPARATED[name] * 3).join(GROUPS)} today")


def test_a_plus_before_a_card_number_does_not_make_it_a_phone() -> None:
    """+4111 1111 1111 1111 has 16 digits: no phone number is that long."""
    assert contains_card_number("+4111 1111 1111 1111")
    assert contains_card_number("tel +4111111111111111")
    assert not contains_card_number("+49 1512 3076791")  # a real German mobile, Luhn-valid


@pytest.mark.skipif(sys.version_info < (3, 11), reason="possessive quantifiers")
def test_the_separator_class_holds_every_space_format_and_dash_character() -> None:
    """Every Zs, Zl, Zp, Cf and Pd character of this Python's Unicode matches the class."""
    pattern = re.compile(SEPARATOR_CLASS)
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Zs", "Zl", "Zp", "Cf", "Pd")
        and not pattern.fullmatch(chr(code))
    ]
    assert missing == []


def test_a_file_named_after_a_card_number_is_masked_in_history(
    services: Services, tmp_path: Path
) -> None:
    """Importing `4111 1111 1111 1111.csv` records the file's name masked."""
    path = tmp_path / "4111 1111 1111 1111.csv"
    path.write_text("First name,Email\nFile,file@cards.example\n", encoding="utf-8")
    assert ImportService(services.ctx).run(path).created == 1
    with services.ctx.read() as session:
        logged = list(session.scalars(select(col(ChangeRecord.new_value))))
    assert logged and not any(contains_card_number(v or "") for v in logged)
    assert any("card number removed" in (v or "") for v in logged)
