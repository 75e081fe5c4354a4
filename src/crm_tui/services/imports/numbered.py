"""Numbered column groups: "E-mail 2 - Value", "Address 2 - City", "Note 3 - Body".

Google's contacts export numbers its e-mails, phones, web addresses and
addresses this way, and crm-tui's own export writes every e-mail, phone,
web address, address and note of a customer the same way (`exports.layout`),
so one reader serves both, whatever the number.
"""

from __future__ import annotations

import re

POINT_HEADS = {"email": "E-mail", "phone": "Phone", "website": "Website"}
ADDRESS_PARTS = (
    ("address_line1", "Street"), ("address_line2", "Extended Address"), ("city", "City"),
    ("region", "Region"), ("postal_code", "Postal Code"), ("country", "Country"),
)  # fmt: skip
NOTE_PARTS = (
    ("note_title", "Title"), ("note", "Body"), ("note_type", "Type"), ("note_date", "Date"),
    ("note_follow_up", "Follow-up"), ("note_done", "Done"), ("note_pinned", "Pinned"),
    ("note_visibility", "Visibility"), ("note_author", "Author"), ("note_length", "Length"),
    ("note_outcome", "Outcome"),
)  # fmt: skip
NOTE_TARGETS = tuple(target for target, _part in NOTE_PARTS)

_PATTERN = re.compile(r"^(email|phone|website|address|note)(\d{1,5})([a-z]+)$")
_READ: dict[tuple[str, str], str] = {
    ("email", "value"): "email",
    ("phone", "value"): "phone",
    ("website", "value"): "website",
    ("address", "pobox"): "address_line2",
    ("address", "formatted"): "address_formatted",
    **{("address", re.sub(r"[^a-z]", "", p.lower())): t for t, p in ADDRESS_PARTS},
    **{("note", re.sub(r"[^a-z]", "", p.lower())): t for t, p in NOTE_PARTS},
}


def header(head: str, number: int, part: str) -> str:
    """'E-mail', 2, 'Value' -> 'E-mail 2 - Value'."""
    return f"{head} {number} - {part}"


def read(key: str) -> tuple[str, int] | None:
    """A header key ('email2value', 'note3body') -> (target, number); None for other keys."""
    match = _PATTERN.match(key)
    if match is None:
        return None
    target = _READ.get((match.group(1), match.group(3)))
    number = int(match.group(2))
    return (target, number) if target is not None and number > 0 else None
