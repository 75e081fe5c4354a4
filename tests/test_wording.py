"""Counts agree with their nouns everywhere: "1 subscription", "2 entries", "1,204 customers"."""

from __future__ import annotations

from crm_tui.ui.widgets.list.marks import matching_scope
from crm_tui.wording import counted, plural


def test_counted() -> None:
    """Singular for one, plural (irregular ones too) otherwise, thousands separated."""
    assert counted(1, "subscription") == "1 subscription"
    assert counted(0, "subscription") == "0 subscriptions"
    assert counted(2, "entry") == "2 entries"
    assert counted(1, "entry") == "1 entry"
    assert counted(1204, "customer") == "1,204 customers"
    assert plural("match", 3) == "matches"


def test_what_an_export_of_every_match_covers() -> None:
    """'the 1 matching customer', never 'all 1 matching customers'."""
    assert matching_scope(1, True) == "the 1 matching customer"
    assert matching_scope(300, True) == "all 300 matching customers"
    assert matching_scope(10_000, False) == "all 10,000+ matching customers"
