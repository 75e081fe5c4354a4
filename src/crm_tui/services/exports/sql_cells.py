"""Export cells as text made by the database, and a flag for the rows it cannot make.

The fast CSV export (`fast_csv`) asks the database for every cell already as
the text `writers._csv_text` would write: money as 12.34, times as
2026-01-02T03:04:05+00:00, dates as 2026-01-02, flags as yes or nothing. On
SQLite a row also gets a flag that is true when a time, date or amount is not
stored in the form read here; such customers are written by the general
exporter, so the rule for them stays the one of `cells.cell_text`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, not_, or_, type_coerce
from sqlalchemy.sql.elements import ColumnElement

_DIGITS4 = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
_TIME = _DIGITS4 + " [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_MICROS = _TIME + ".[0-9][0-9][0-9][0-9][0-9][0-9]"


class SqlCells:
    """Cell expressions for one dialect; `flags` collects what makes a row fall back."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.flags: list[ColumnElement[Any]] = []

    def flag(self) -> ColumnElement[Any]:
        """True when a cell asked for so far needs the general exporter (then cleared)."""
        flags, self.flags = self.flags, []
        return or_(*flags) if flags else literal(False)

    def text(self, column: Any) -> ColumnElement[Any]:
        """Text as stored; formula starts are caught in the written text (fast_csv.RISKY)."""
        return type_coerce(column, String)

    def number(self, column: Any) -> ColumnElement[Any]:
        """An integer, written as Python writes it."""
        return type_coerce(column, Integer)

    def money(self, column: Any) -> ColumnElement[Any]:
        """An amount with two places: integer cents on SQLite, NUMERIC on PostgreSQL."""
        if not self.sqlite:
            return type_coerce(cast(column, String), String)
        cents = type_coerce(column, Integer)
        self.flags.append(func.typeof(cents).notin_(["integer", "null"]))
        sign = case((cents < 0, "-"), else_="")
        return type_coerce(
            case((func.typeof(cents) == "integer",
                  func.printf("%s%d.%02d", sign, func.abs(cents).op("/")(100), func.abs(cents) % 100))),
            String,
        )  # fmt: skip

    def moment(self, column: Any) -> ColumnElement[Any]:
        """A UTC time to the second, as datetime.isoformat(timespec='seconds') writes it."""
        if not self.sqlite:
            local = func.timezone("UTC", column)
            return type_coerce(func.to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), String)
        stored = type_coerce(column, String)
        usual = or_(stored.op("GLOB")(_TIME), stored.op("GLOB")(_MICROS))
        self.flags.append(and_(stored.is_not(None), not_(usual)))
        day, clock = (type_coerce(func.substr(stored, *at), String) for at in ((1, 10), (12, 8)))
        return type_coerce(day + "T" + clock + "+00:00", String)

    def day(self, column: Any) -> ColumnElement[Any]:
        """A date as date.isoformat writes it."""
        if not self.sqlite:
            return type_coerce(func.to_char(column, "YYYY-MM-DD"), String)
        stored = type_coerce(column, String)
        self.flags.append(and_(stored.is_not(None), stored.op("NOT GLOB")(_DIGITS4)))
        return stored

    def yes(self, column: Any) -> ColumnElement[Any]:
        """A flag as yes, or nothing when false (see layout._note_cell)."""
        return type_coerce(case((column, "yes")), String)

    def customer_number(self, column: Any) -> ColumnElement[Any]:
        """C-000123, as naming.format_number writes it."""
        ident = type_coerce(column, Integer)
        if self.sqlite:
            return type_coerce(func.printf("C-%06d", ident), String)
        digits = type_coerce(cast(ident, String), String)
        padded = case((ident >= 1_000_000, digits), else_=func.lpad(digits, 6, "0"))
        return type_coerce("C-" + padded, String)
