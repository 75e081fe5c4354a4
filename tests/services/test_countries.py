"""Country names and codes read into ISO codes; a column of ISO codes needs no name table."""

from __future__ import annotations

import itertools
import string

import pytest

from crm_tui.services import countries
from crm_tui.services.countries import country_code


def test_two_letters_read_as_the_table_reads_them() -> None:
    """Every two-letter text (codes, lower case, with dots or spaces) gives what the full
    table gives it: the code for an ISO code, the alias for UK, None for the rest."""
    table = countries._table()
    country_code.cache_clear()
    for first, second in itertools.product(string.ascii_letters, repeat=2):
        for raw in (first + second, f"{first}.{second}.", f" {first} {second} "):
            key = countries._key(raw)
            assert country_code(raw) == table.get(key), raw
    assert country_code("gb") == "GB" and country_code("U.K.") == "GB"
    assert country_code("XK") is None and country_code("ZZ") is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [("United Kingdom", "GB"), ("Deutschland", "DE"), ("The Netherlands", "NL"),
     ("England", "GB"), ("GBR", "GB"), ("Royaume-Uni", "GB"), ("Atlantis", None)],
)  # fmt: skip
def test_names_still_read(raw: str, code: str | None) -> None:
    """Names, alpha-3 codes and subdivisions still go through the table."""
    country_code.cache_clear()
    assert country_code(raw) == code


def test_codes_alone_leave_the_table_unbuilt() -> None:
    """A file of ISO codes never builds the name table (most of a second of CPU)."""
    countries._table.cache_clear()
    country_code.cache_clear()
    assert [country_code(c) for c in ("GB", "pt", "U.S.")] == ["GB", "PT", "US"]
    assert countries._table.cache_info().currsize == 0
