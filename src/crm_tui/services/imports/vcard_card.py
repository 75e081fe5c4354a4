"""One vCard (2.1, 3.0 or 4.0) turned into the cells of an import row.

The cells use the column names of Google's contacts export ("E-mail 1 -
Value", "Address 2 - City", ...), so one mapping table serves both. Every
property of the card lands in a cell or in `leftovers` (property name and
value), so an import can say what it did not keep: nothing is dropped
unseen. Types become labels (work, home, mobile, other) from TYPE
parameters, vCard 2.1's bare parameters (TEL;CELL) and Apple's X-ABLabel
on the same item group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_tui.services.exports.cells import COLUMNS
from crm_tui.services.imports.numbered import NOTE_PARTS, header
from crm_tui.services.imports.vcard_lines import ContentLine, parse_card

BINARY = "(binary data)"  # what a skipped photo, logo, sound or key stands for
UNREADABLE = "Unreadable Line"  # a card line that is no property: reported, never kept
MAX_EMAILS, MAX_PHONES, MAX_WEBSITES, MAX_ADDRESSES, MAX_NOTES = 8, 12, 6, 5, 25
# crm-tui's own fields a vCard has no property for, written by its export as X-CRM-KIND,
# X-CRM-STATUS, ... and read back into the columns of its CSV export.
CRM_FIELDS = ("kind", "status", "status_reason", "registration_number", "vat_id",
              "business_type", "industry", "payment_terms", "billing_group", "segment",
              "loyalty_points", "language", "currency", "contact_channels", "owner")  # fmt: skip
CRM_PROPERTIES = {"X-CRM-" + key.upper().replace("_", "-"): head
                  for head, key in COLUMNS if key in CRM_FIELDS}  # fmt: skip
CUSTOM_PROPERTY = "X-CRM-FIELD"  # a custom field: its name is the X-ABLabel of its group
NOTE_PROPERTIES = {"X-CRM-NOTE-" + part.upper(): part for _t, part in NOTE_PARTS if part != "Body"}
NAME_HEADERS = (
    "Full name", "Name Prefix", "First name", "Middle Name", "Last name", "Name Suffix",
    "Nickname", "Company", "Department", "Job Title", "Birthday",
)  # fmt: skip
ADDRESS_PARTS = (
    ("street", "Street"), ("extended", "Extended Address"), ("box", "PO Box"), ("city", "City"),
    ("region", "Region"), ("code", "Postal Code"), ("country", "Country"),
)  # fmt: skip


def _numbered(kind: str, count: int, parts: tuple[str, ...]) -> list[str]:
    return [f"{kind} {n} - {part}" for n in range(1, count + 1) for part in parts]


VCARD_HEADERS = [
    *NAME_HEADERS,
    *_numbered("E-mail", MAX_EMAILS, ("Label", "Value")),
    *_numbered("Phone", MAX_PHONES, ("Label", "Value")),
    *_numbered("Website", MAX_WEBSITES, ("Label", "Value")),
    *_numbered("Address", MAX_ADDRESSES, ("Label", *(p for _, p in ADDRESS_PARTS))),
    *_numbered("Note", MAX_NOTES, tuple(part for _t, part in NOTE_PARTS)),
    "Tags",
    *CRM_PROPERTIES.values(),
]
# Properties that say how the card is written, not who it is about.
_FORMAT = {"VERSION", "PRODID", "REV", "UID", "X-ABUID", "PROFILE", "SOURCE", "NAME", "KIND",
           "X-ABLABEL", "X-ABADR", "CLASS", "SORT-STRING", "X-PHONETIC-FIRST-NAME",
           "X-PHONETIC-LAST-NAME", "LABEL"}  # fmt: skip
_LABELS = (
    ("mobile", ("cell", "mobile", "iphone", "_$!<mobile>!$_")),
    ("work", ("work", "_$!<work>!$_")),
    ("home", ("home", "_$!<home>!$_", "_$!<homepage>!$_")),
)


@dataclass
class CardRow:
    """The cells of one card and what had no cell."""

    cells: dict[str, str] = field(default_factory=lambda: dict.fromkeys(VCARD_HEADERS, ""))
    leftovers: list[tuple[str, str]] = field(default_factory=list)


def _label(line: ContentLine, apple_labels: dict[str, str]) -> str:
    words = line.types
    if line.group and line.group in apple_labels:
        words.add(apple_labels[line.group].strip().lower())
    for label, markers in _LABELS:
        if words & set(markers):
            return label
    return "other" if words - {"pref", "internet", "voice", "x400", "uri", "text"} else ""


def _ranked(lines: list[ContentLine]) -> list[ContentLine]:
    """Preferred first (TYPE=pref, PREF=1), the rest in file order."""
    return sorted(lines, key=lambda line: 0 if "pref" in line.types else 1)


def _uri(value: str) -> str:
    for scheme in ("mailto:", "tel:"):
        if value.lower().startswith(scheme):
            return value[len(scheme) :]
    return value


def card_row(lines: list[str]) -> CardRow:
    """One card's lines (BEGIN to END) as a row; ValueError when a line cannot be read."""
    row = CardRow()
    cells = row.cells
    by_name: dict[str, list[ContentLine]] = {}
    for line in parse_card(lines):
        by_name.setdefault(line.name, []).append(line)
    apple = {ln.group: ln.text() for ln in by_name.get("X-ABLABEL", []) if ln.group}
    _names(by_name, cells, row.leftovers)
    _numbered_values(by_name.pop("EMAIL", []), "E-mail", MAX_EMAILS, apple, row)
    _numbered_values(by_name.pop("TEL", []), "Phone", MAX_PHONES, apple, row)
    _numbered_values(by_name.pop("URL", []), "Website", MAX_WEBSITES, apple, row)
    _addresses(by_name.pop("ADR", []), apple, row)
    tags = [item for line in by_name.pop("CATEGORIES", []) for item in line.items()]
    cells["Tags"] = ", ".join(dict.fromkeys(tags))
    _notes(by_name, row)
    for name, head in CRM_PROPERTIES.items():
        if (own := _first(by_name, name, row.leftovers)) is not None:
            cells[head] = own.text()
    for custom in by_name.pop(CUSTOM_PROPERTY, []):
        if custom.text():
            row.leftovers.append((apple.get(custom.group, "") or "Custom field", custom.text()))
    for name, found in by_name.items():
        if name in _FORMAT:
            continue
        for line in found:
            if line.text():
                row.leftovers.append((name.title(), line.text()))
    return row


def _first(
    by_name: dict[str, list[ContentLine]], name: str, leftovers: list[tuple[str, str]]
) -> ContentLine | None:
    """The first line of `name`; any further ones are left over."""
    lines = by_name.pop(name, [])
    for extra in lines[1:]:
        if extra.text():
            leftovers.append((name.title(), extra.text()))
    return lines[0] if lines else None


def _names(
    by_name: dict[str, list[ContentLine]], cells: dict[str, str], left: list[tuple[str, str]]
) -> None:
    if (fn := _first(by_name, "FN", left)) is not None:
        cells["Full name"] = fn.text()
    if (n := _first(by_name, "N", left)) is not None:
        parts = [*n.parts(), "", "", "", "", ""]
        cells["Last name"], cells["First name"], cells["Middle Name"] = parts[0], parts[1], parts[2]
        cells["Name Prefix"], cells["Name Suffix"] = parts[3], parts[4]
    if (org := _first(by_name, "ORG", left)) is not None:
        parts = org.parts()
        cells["Company"] = parts[0]
        cells["Department"] = ", ".join(p for p in parts[1:] if p)
    for name, head in (("NICKNAME", "Nickname"), ("TITLE", "Job Title"), ("BDAY", "Birthday")):
        if (line := _first(by_name, name, left)) is not None:
            cells[head] = ", ".join(line.items()) if name == "NICKNAME" else line.text()


def _numbered_values(
    lines: list[ContentLine], kind: str, limit: int, apple: dict[str, str], row: CardRow
) -> None:
    number = 0
    for line in _ranked(lines):
        value = _uri(line.text())
        if not value:
            continue
        if number == limit:
            row.leftovers.append((kind, value))
            continue
        number += 1
        row.cells[f"{kind} {number} - Value"] = value
        row.cells[f"{kind} {number} - Label"] = _label(line, apple)


def _addresses(lines: list[ContentLine], apple: dict[str, str], row: CardRow) -> None:
    number = 0
    for line in _ranked(lines):
        values = [*line.parts(), "", "", "", "", "", "", ""]
        parts = dict(
            zip(
                ("box", "extended", "street", "city", "region", "code", "country"),
                values[:7],
                strict=True,
            )
        )
        if not any(parts.values()):
            continue
        if number == MAX_ADDRESSES:
            row.leftovers.append(("Address", ", ".join(p for p in parts.values() if p)))
            continue
        number += 1
        for key, part in ADDRESS_PARTS:
            row.cells[f"Address {number} - {part}"] = parts[key].replace("\n", ", ")
        shipping = line.types & {"parcel", "x-shipping", "shipping"}
        row.cells[f"Address {number} - Label"] = "shipping" if shipping else _label(line, apple)


def _notes(by_name: dict[str, list[ContentLine]], row: CardRow) -> None:
    """Each NOTE its own note; crm-tui's export adds the note's other parts in its group."""
    parts: dict[str, dict[str, str]] = {}
    for name, part in NOTE_PROPERTIES.items():
        for line in by_name.pop(name, []):
            if line.group:
                parts.setdefault(line.group, {})[part] = line.text()
    number = 0
    for line in by_name.pop("NOTE", []):
        own = parts.pop(line.group, {}) if line.group else {}
        if not line.text() and not own:
            continue
        if number == MAX_NOTES:
            row.leftovers.extend(("Note", v) for v in (line.text(), *own.values()) if v)
            continue
        number += 1
        row.cells[header("Note", number, "Body")] = line.text()
        for part, value in own.items():
            row.cells[header("Note", number, part)] = value
    for group in parts.values():  # a note's parts with no NOTE of their own
        row.leftovers.extend((f"Note {part}", value) for part, value in group.items() if value)
