"""Country names, ISO codes and common variants read into ISO 3166 alpha-2 codes.

An import file writes a country however its program or its clerk did:
"GB", "GBR", "United Kingdom", "U.K.", "Deutschland", "Royaume-Uni",
"England". Nothing here is a hand list: the names come from pycountry
(ISO 3166 names, official and common names, alpha-2 and alpha-3 codes,
and the subdivisions ISO types as countries, such as England) and from
babel (the territory names CLDR gives in several languages, and CLDR's
territory aliases such as UK -> GB).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

# Languages whose territory names are read: those of the exports we meet.
NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl")


def _key(text: str) -> str:
    """'U.S.A.' -> 'usa', 'Côte d’Ivoire' -> 'cotedivoire': compared without accents or marks."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^0-9a-z]", "", "".join(c for c in folded if not unicodedata.combining(c)))


@cache
def _alpha_2() -> frozenset[str]:
    """ISO 3166 alpha-2 codes as pycountry has them (the codes _table starts from)."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _table() -> dict[str, str]:
    import pycountry
    from babel import Locale
    from babel.core import get_global

    table: dict[str, str] = {}
    codes = _alpha_2()
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                table.setdefault(_key(value), country.alpha_2)
    for language in NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in codes:
                table.setdefault(_key(name), code)
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) in (2, 3) and alias.isalpha() and targets and targets[0] in codes:
            table.setdefault(_key(alias), targets[0])
    for subdivision in pycountry.subdivisions:
        if subdivision.type == "Country":  # England, Scotland, Wales, Northern Ireland
            table.setdefault(_key(subdivision.name), subdivision.country_code)
    return table


@lru_cache(maxsize=4096)  # an import asks twice a row, for a few countries
def country_code(raw: str) -> str | None:
    """The alpha-2 code a country is written as, or None when it is none we know."""
    key = _key(raw)
    if not key:
        return None
    if len(key) == 2 and key.upper() in _alpha_2():
        # An ISO code: _table maps it to itself (each country's own code is its first
        # entry, and no name or alpha-3 code folds to two letters), and building the
        # table (babel's names in twelve languages, pycountry's subdivisions) costs an
        # import's reading process most of a second of CPU for a column of codes.
        return key.upper()
    table = _table()
    # "The Netherlands", "the Gambia": the article is often written, and ISO leaves it out.
    return table.get(key) or (table.get(key[3:]) if key.startswith("the") else None)
