"""Tables fit their width: dates, amounts and headings whole; names narrow; extras drop."""

from __future__ import annotations

from crm_tui.ui.widgets.fitted_table import Column, fit_widths

COLUMNS = [
    Column("Product", flex=True, min_width=10),
    Column("Start"),
    Column("Next payment"),
    Column("Asset serial", flex=True, drop=1),
]


def test_wide_enough_everything_natural() -> None:
    """With room, every column has its natural width."""
    assert fit_widths([20, 10, 12, 12], COLUMNS, 200, 2) == {0: 20, 1: 10, 2: 12, 3: 12}


def test_flex_narrows_before_anything_drops() -> None:
    """A name gives way first, down to its floor; dates never narrow."""
    widths = fit_widths([20, 10, 12, 12], COLUMNS, 60, 2)
    assert widths[1] == 10 and widths[2] == 12 and 3 in widths
    assert sum(widths.values()) + 2 * len(widths) <= 60


def test_columns_drop_when_narrowing_is_not_enough() -> None:
    """Too narrow for all: the droppable column goes, the rest keep their floors."""
    widths = fit_widths([20, 10, 12, 12], COLUMNS, 40, 2)
    assert sorted(widths) == [0, 1, 2]
    assert widths == {0: 12, 1: 10, 2: 12}


def test_a_heading_is_never_cut() -> None:
    """A flex column stops at its heading's width, even below min_width."""
    columns = [Column("Department", flex=True, min_width=4), Column("Phone")]
    assert fit_widths([30, 16], columns, 32, 2) == {0: 12, 1: 16}
