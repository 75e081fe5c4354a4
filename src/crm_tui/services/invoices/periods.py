"""A billing month, as typed (2026-11) and as dates."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from crm_tui.services.errors import ValidationError


@dataclass(frozen=True)
class Month:
    """One calendar month: the period a billing run bills."""

    year: int
    month: int

    @classmethod
    def parse(cls, raw: object) -> Month:
        text = str(raw or "").strip()
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
            raise ValidationError("month", f"The month {text!r} is not a month; type e.g. 2026-11.")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        """How the month is printed on a line: "November 2026"."""
        return f"{calendar.month_name[self.month]} {self.year}"
