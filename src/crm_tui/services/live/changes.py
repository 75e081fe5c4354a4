"""What a change feed reports: the customers whose data someone committed a change to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# The change log's newest id: where a feed starts (or a quick start read the list).
NEWEST_CHANGE = "SELECT coalesce(max(id), 0) FROM change_history"
EVERYTHING = "*"  # a payload too long to list (a bulk change), or a feed that reconnected


@dataclass(frozen=True)
class Changed:
    """Customers changed since the last report; `everything` when the feed cannot say which."""

    customer_ids: frozenset[int] = frozenset()
    everything: bool = False

    def touches(self, customer_id: int) -> bool:
        return self.everything or customer_id in self.customer_ids

    def __or__(self, other: Changed) -> Changed:
        return Changed(self.customer_ids | other.customer_ids, self.everything or other.everything)

    @classmethod
    def parse(cls, payload: str) -> Changed:
        """'12,40,77' (or '*') as sent by the change_history trigger (migration 0014)."""
        if payload.strip() == EVERYTHING:
            return cls(everything=True)
        ids = frozenset(int(p) for p in payload.split(",") if p.strip().isdigit())
        return cls(ids)


class ChangeFeed(Protocol):
    """Reports changes committed by anyone (this process included), one wait at a time."""

    def wait(self, timeout: float) -> Changed | None:
        """The changes seen within `timeout` seconds (a burst gathered into one), or None."""

    def close(self) -> None: ...
