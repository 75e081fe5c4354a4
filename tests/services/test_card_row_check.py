"""An import row is checked for card numbers by one search over all its cells first:
the same cells are flagged as when every cell is scanned, on hostile rows too."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.services.card_numbers import any_may_hold_card_number, contains_card_number
from crm_tui.services.imports.rows import card_number_cells

CARD = "4111111111111111"
# Pieces that make hostile cells: a card's digits cut anywhere, separators of every
# kind (also at a cell's edges, where a naive join would glue two cells' digits), NULs,
# Unicode digits, phone numbers after a "+", IBANs, and plain text.
PIECES = st.sampled_from([
    "4111", "1111", "41111111", "11111111", CARD, "4111 1111 1111 1111", "\u200b", " ",
    "-", "\u00ad", "\n", "\x00", "\x1f", "+", "+44 7400 000001", "\uff14\uff11\uff11\uff11",
    "DE89 3704 0044 0532 0130 00", "12-34-56 12345678", "Ana", "é", "0", "7",
])  # fmt: skip
CELLS = st.lists(st.lists(PIECES, max_size=6).map("".join), max_size=8)


def _each_cell(cells: list[str]) -> list[int]:
    return [i for i, cell in enumerate(cells) if cell and contains_card_number(cell)]


@settings(max_examples=400, deadline=None)
@given(CELLS)
def test_one_search_flags_what_every_cell_would(cells: list[str]) -> None:
    headers = [f"c{i}" for i in range(len(cells))]
    flagged = card_number_cells(headers, cells)
    assert [problem.split("'")[1] for problem in flagged] == [f"c{i}" for i in _each_cell(cells)]
    if _each_cell(cells):
        assert any_may_hold_card_number(cells)


def test_a_card_split_over_two_cells_is_not_joined() -> None:
    """The joined row must not hold a card that no one cell holds."""
    halves = ["4111 1111", "1111 1111"]
    assert not card_number_cells(["a", "b"], halves)
    assert not any_may_hold_card_number(halves)
    assert any_may_hold_card_number(["x", "4111 1111 1111 1111"])


def test_short_texts_hold_no_card_number() -> None:
    """Under 13 characters no text holds 13 digits: answered without a search."""
    assert not contains_card_number("411111111111")  # 12 digits
    assert contains_card_number(CARD)
