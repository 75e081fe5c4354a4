"""Counts in words: "1 subscription", "2 subscriptions", "1,204 customers", "1 entry".

One rule for the app and the `crm` commands (no Textual here), so no screen
says "1 subscriptions" or "customer(s)".
"""

from __future__ import annotations

# Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"entry": "entries", "match": "matches", "company": "companies", "this": "these"}


def plural(noun: str, n: int) -> str:
    """`noun` as it goes with `n`: "customer" for 1, "customers" otherwise."""
    if n == 1:
        return noun
    return _IRREGULAR.get(noun, noun + "s")


def counted(n: int, noun: str) -> str:
    """`n` (thousands separated) and `noun` agreeing with it: "1 customer", "1,204 customers"."""
    return f"{n:,} {plural(noun, n)}"
