"""What an open edit form says when someone else saves the same record under it."""

from __future__ import annotations

from collections.abc import Sequence

from crm_tui.services.history import HistoryEntry


def changed_underneath(entries: Sequence[HistoryEntry], subject: str) -> str:
    """'alice (front desk) just changed this address (city, postal code); your save will
    say where you both changed the same thing.' (`entries` newest first)."""
    fields = sorted({e.field_label or e.field for e in entries if e.field})
    what = ", ".join(f.replace("_", " ") for f in fields[:4]) or "its details"
    if any(e.action == "delete" for e in entries):
        return f"{entries[0].who} just removed this {subject}; saving will say it is gone."
    return (
        f"{entries[0].who} just changed this {subject} ({what}); your save will "
        "say where you both changed the same thing."
    )
