"""Rules several service packages share, written once."""

from __future__ import annotations

from crm_tui.models.enums import CustomerKind


def display_name(kind: str, first: str | None, last: str | None, company: str | None) -> str:
    """The name a customer is shown by: the company for a business, else the person."""
    person = " ".join(p for p in (first, last) if p)
    if kind == CustomerKind.BUSINESS:
        return company or person or "(no name)"
    return person or company or "(no name)"
