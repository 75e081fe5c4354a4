"""Card-number detector: recall on card numbers, false positives on ordinary digits.

`python -m benchmarks.cards_bench` (no database needed) or, with the others,
`python -m benchmarks cards --customers N` (the database is not used).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.card_sets import card_texts, ordinary_texts
from benchmarks.common import print_table
from crm_tui.services.card_numbers import contains_card_number

CARDS = 20_000
ORDINARY = 60_000


def measure(cards: int = CARDS, ordinary: int = ORDINARY) -> list[dict[str, Any]]:
    """One row per set: size, how many were flagged, the rate, microseconds per text."""
    sets = ordinary_texts(ordinary)
    named = [
        ("cards (every network, many spellings)", card_texts(cards)),
        ("phone numbers", sets.phones),
        ("order / invoice / tracking numbers", sets.orders),
        ("IBANs and bank account fragments", sets.ibans),
        ("all ordinary digit strings", sets.all()),
    ]
    rows = []
    for name, texts in named:
        started = time.perf_counter()
        flagged = sum(1 for text in texts if contains_card_number(text))
        seconds = time.perf_counter() - started
        rows.append(
            {
                "set": name,
                "texts": len(texts),
                "flagged": flagged,
                "flagged_pct": round(100 * flagged / len(texts), 3),
                "us_per_text": round(1e6 * seconds / len(texts), 1),
            }
        )
    return rows


def run(db_url: str, **_: Any) -> list[dict[str, Any]]:
    """The suite entry: the database URL is not needed."""
    del db_url
    return measure()


if __name__ == "__main__":
    print_table("card-number detector (recall = flagged % of cards)", measure())
