"""Today's date as the screens see it: tests and snapshot runs pin it here (`today_override`),
so overdue days and billing months stay stable in pictures."""

from __future__ import annotations

from datetime import date

today_override: date | None = None


def today() -> date:
    """Today's date (local), unless pinned by `today_override`."""
    return today_override or date.today()
