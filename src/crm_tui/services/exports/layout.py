"""The columns of a CSV or XLSX export, fitted to the customers it holds.

The fixed columns (`cells.COLUMNS`) hold a customer's fields, its primary
e-mail, phone and web address with their labels, and its first address
(the default billing one). Then as many numbered groups as the customer
with most of them needs ("E-mail 2 - Label", "E-mail 2 - Value", "Address 2
- Street", "Note 1 - Title", ...), then one column per custom field name.
These are the names import reads (`imports.numbered`, `imports.headers`),
so an export imports back value for value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crm_tui.services.exports.cells import COLUMNS
from crm_tui.services.exports.children import Widths
from crm_tui.services.imports.headers import custom_header
from crm_tui.services.imports.numbered import ADDRESS_PARTS, NOTE_PARTS, POINT_HEADS, header

_POINT_KINDS = {"email": "email", "phone": "phone", "website": "web"}  # column -> point kind
_ADDRESS_KEYS = {"address_line1": "line1", "address_line2": "line2", "city": "city",
                 "region": "region", "postal_code": "postal_code", "country": "country"}  # fmt: skip
_NOTE_KEYS = {"note_title": "title", "note": "body", "note_type": "type", "note_date": "created_at",
              "note_follow_up": "follow_up_on", "note_done": "done", "note_pinned": "pinned",
              "note_visibility": "visibility", "note_author": "author",
              "note_length": "duration_minutes", "note_outcome": "outcome"}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """Headers and, for each row, its cells in the same order."""

    widths: Widths

    def headers(self) -> list[str]:
        out = [head for head, _key in COLUMNS]
        for column, head in POINT_HEADS.items():
            for number in range(2, self.widths.points[_POINT_KINDS[column]] + 1):
                out += [header(head, number, "Label"), header(head, number, "Value")]
        for number in range(2, self.widths.addresses + 1):
            out.append(header("Address", number, "Label"))
            out += [header("Address", number, part) for _target, part in ADDRESS_PARTS]
        for number in range(1, self.widths.notes + 1):
            out += [header("Note", number, part) for _target, part in NOTE_PARTS]
        out += [custom_header(name) for name in self.widths.custom]
        return out

    def cells(self, row: dict[str, Any]) -> list[tuple[str, Any]]:
        """(key, value) per header: the key says how to write the value (see NUMERIC_KEYS);
        an empty cell is ("", None)."""
        out: list[tuple[str, Any]] = []
        for part in self._parts(row):
            out += [("", None)] * part if isinstance(part, int) else part
        return out

    def texts(self, row: dict[str, Any], text: Callable[[Any], str]) -> list[str]:
        """The row's cells as text (`text` of each value; "" for an empty cell)."""
        out: list[str] = []
        for part in self._parts(row):
            out += [""] * part if isinstance(part, int) else [text(v) for _k, v in part]
        return out

    def _parts(self, row: dict[str, Any]) -> Iterator[list[tuple[str, Any]] | int]:
        """The row in header order: lists of (key, value), and counts of empty cells for
        the numbered groups the customer does not fill. One customer with 200 notes makes
        every row 2,200 cells wider; filling those one by one cost most of an export."""
        yield [(key, row[key]) for _head, key in COLUMNS]
        for column in POINT_HEADS:
            found = row["points"].get(_POINT_KINDS[column], [])[1:]  # the first: its column
            yield [pair for value, label in found for pair in (("label", label), (column, value))]
            yield 2 * (self.widths.points[_POINT_KINDS[column]] - 1 - len(found))
        more = row["addresses"][1:]  # the first address: the fixed columns
        for address in more:
            yield [("label", address.get("kind"))]
            yield [(target, address.get(_ADDRESS_KEYS[target])) for target, _p in ADDRESS_PARTS]
        yield (1 + len(ADDRESS_PARTS)) * (self.widths.addresses - 1 - len(more))
        notes = row["notes"]
        for note in notes:
            yield [(target, _note_cell(note.get(_NOTE_KEYS[target])))
                   for target, _part in NOTE_PARTS]  # fmt: skip
        yield len(NOTE_PARTS) * (self.widths.notes - len(notes))
        yield [("custom", row["custom"].get(name)) for name in self.widths.custom]


def _note_cell(value: Any) -> Any:
    """A flag as yes (or nothing: no is the default), anything else as it is."""
    if isinstance(value, bool):
        return "yes" if value else None
    return value


def fill_row(item: dict[str, Any], children: dict[str, Any]) -> None:
    """Put one customer's own rows into its export row, and the fixed columns they feed."""
    points = children["points"]
    addresses = children["addresses"]
    item.update(points=points, addresses=addresses, custom=children["custom"],
                notes=children["notes"])  # fmt: skip
    for column, kind in _POINT_KINDS.items():
        primary = points.get(kind, [])
        if primary:
            item[column] = primary[0][0]  # an individual's web address too (no column of its own)
        item[f"{column}_label"] = primary[0][1] if primary else None
    first = addresses[0] if addresses else {}
    for key in ("line1", "line2", "city", "region", "postal_code", "country"):
        item[key] = first.get(key)
    item["address_label"] = first.get("kind")
