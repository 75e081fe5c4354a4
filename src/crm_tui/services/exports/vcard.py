"""One exported customer as a vCard 3.0, serialised by vobject.

Every e-mail, phone, web address and address is written with its label as
a TYPE (the primary first, with PREF; a shipping address as PARCEL). What a
vCard has no property for is written so that our import reads it back
(`imports.vcard_card`): crm-tui's own fields as X-CRM-KIND, X-CRM-STATUS,
...; each note as a NOTE with its title, type, dates, flags and author as
X-CRM-NOTE-* properties of the same group; each custom field as
X-CRM-FIELD with its name as the group's X-ABLabel (Apple's way of naming
a value), except the ones a vCard has a property for (TITLE, NICKNAME, the
parts of N and ORG), written there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import vobject

from crm_tui.services.exports.cells import cell_text
from crm_tui.services.imports.vcard_card import (
    CRM_FIELDS,
    CUSTOM_PROPERTY,
    NOTE_PROPERTIES,
)

_TYPES = {"work": "WORK", "home": "HOME", "mobile": "CELL", "other": "OTHER"}
_PROPERTY = {"email": "email", "phone": "tel", "web": "url"}
_OWN_PROPERTY = {"Job Title": "title", "Nickname": "nickname"}  # custom name -> property
_NAME_PARTS = {"Middle Name": "additional", "Name Prefix": "prefix", "Name Suffix": "suffix"}
_NOTE_KEYS = {"Title": "title", "Type": "type", "Date": "created_at", "Follow-up": "follow_up_on",
              "Done": "done", "Pinned": "pinned", "Visibility": "visibility", "Author": "author",
              "Length": "duration_minutes", "Outcome": "outcome"}  # fmt: skip


def vcard_text(row: dict[str, Any]) -> str:
    """A vCard for an export row (see exports.COLUMNS keys and exports.layout)."""
    card = vobject.vCard()
    custom = dict(row.get("custom") or {})
    _names(card, row, custom)
    for kind, found in (row.get("points") or {}).items():
        for number, (value, label) in enumerate(found):
            if value is None:
                continue  # no primary of this kind (see children.points)
            line = card.add(_PROPERTY[kind])
            line.value = value
            kinds = (["INTERNET"] if kind == "email" else []) + [_TYPES.get(label, "OTHER")]
            line.type_param = kinds + (["PREF"] if number == 0 else [])
    if row.get("date_of_birth"):
        card.add("bday").value = row["date_of_birth"].isoformat()
    for number, address in enumerate(row.get("addresses") or []):
        line = card.add("adr")
        line.value = vobject.vcard.Address(
            street=address["line1"] or "", extended=address["line2"] or "",
            city=address["city"] or "", region=address["region"] or "",
            code=address["postal_code"] or "", country=address["country"] or "",
        )  # fmt: skip
        kind = "PARCEL" if address["kind"] == "shipping" else "POSTAL"
        line.type_param = [kind] + (["PREF"] if number == 0 else [])
    if row.get("tags"):
        card.add("categories").value = [t.strip() for t in str(row["tags"]).split(",") if t.strip()]
    for key in CRM_FIELDS:
        if row.get(key) not in (None, ""):
            card.add("x-crm-" + key.replace("_", "-")).value = cell_text(row[key])
    _notes(card, row.get("notes") or [])
    _custom(card, custom)
    card.add("uid").value = row["number"]
    text: str = card.serialize()
    return text


def _names(card: Any, row: dict[str, Any], custom: dict[str, str]) -> None:
    first, last, company = (row.get(k) or "" for k in ("first_name", "last_name", "company_name"))
    person = " ".join(p for p in (first, last) if p)
    parts = {part: custom.pop(name, "") for name, part in _NAME_PARTS.items()}
    card.add("n").value = vobject.vcard.Name(family=last, given=first, **parts)
    card.add("fn").value = (
        (company if row.get("kind") == "business" else person) or person or company or row["number"]
    )
    department = custom.pop("Department", "")
    if company or department:
        card.add("org").value = [company, department] if department else [company]
    for name, prop in _OWN_PROPERTY.items():
        if name in custom:
            card.add(prop).value = custom.pop(name)


def _notes(card: Any, notes: list[dict[str, Any]]) -> None:
    for number, note in enumerate(notes, start=1):
        group = f"note{number}"
        line = card.add("note")
        line.value, line.group = note["body"] or "", group
        for part, key in _NOTE_KEYS.items():
            value = note.get(key)
            if value in (None, "", False):
                continue
            text = "yes" if value is True else cell_text(value)
            if isinstance(value, datetime):
                text = value.isoformat(timespec="seconds")
            extra = card.add(_property_of(part))
            extra.value, extra.group = text, group


def _property_of(part: str) -> str:
    return next(name for name, p in NOTE_PROPERTIES.items() if p == part).lower()


def _custom(card: Any, custom: dict[str, str]) -> None:
    for number, (name, value) in enumerate(custom.items(), start=1):
        group = f"crm{number}"
        line = card.add(CUSTOM_PROPERTY.lower())
        line.value, line.group = value, group
        label = card.add("x-ablabel")
        label.value, label.group = name, group
