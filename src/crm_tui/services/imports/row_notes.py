"""A row's notes: a plain 'Note' column, or numbered note groups ("Note 2 - Title").

crm-tui's export writes every note of a customer as a group (title, body,
type, date, follow-up, done, pinned, visibility, author), so an export
imports back with its timeline. Each part goes through the rules a clerk's
note meets (`customers.notes.clean_note`); a part that fails is left out
and reported, and the note is still kept. A note without a title is called
"Imported note".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_tui.services.customers.activities import check_activity
from crm_tui.services.customers.notes import clean_note
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text

NOTE_TITLE = "Imported note"
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0"}
_FIELDS = {"note_title": "title", "note": "body", "note_type": "type",
           "note_follow_up": "follow_up_on", "note_visibility": "visibility",
           "note_length": "duration_minutes", "note_outcome": "outcome"}  # fmt: skip
_FLAGS = {"note_done": "done", "note_pinned": "pinned"}

Drop = Callable[[str, str, str], None]  # (column, value, reason)


def read_notes(groups: list[dict[str, str]], drop: Drop) -> list[dict[str, Any]]:
    """The notes of a row's note groups, each cleaned; what fails is passed to `drop`."""
    notes = []
    for group in groups:
        note = _note(group, drop)
        if note is not None:
            notes.append(note)
    return notes


def _column(group: dict[str, str], target: str) -> str:
    return group.get(f"{target}.header", "Note")


def _note(group: dict[str, str], drop: Drop) -> dict[str, Any] | None:
    if not group.get("note") and not group.get("note_title"):
        for target in [t for t in group if "." not in t]:
            drop(_column(group, target), group[target], "A note needs a title or a text.")
        return None
    note: dict[str, Any] = {"type": "note", "title": NOTE_TITLE, "body": "", "follow_up_on": None,
                            "done": False, "pinned": False, "visibility": "internal",
                            "author": None, "created_at": None, "duration_minutes": None,
                            "outcome": None}  # fmt: skip
    for target, name in _FIELDS.items():
        if group.get(target):
            try:
                note.update(clean_note({name: group[target]}, partial=True))
            except ValidationError as exc:
                drop(_column(group, target), group[target], exc.message)
    for target, name in _FLAGS.items():
        text = group.get(target, "").strip().casefold()
        if text in YES or text in NO:
            note[name] = text in YES
        elif text:
            drop(_column(group, target), group[target], f"The note's {name} flag is not yes or no.")
    if group.get("note_author"):
        try:
            note["author"] = clean_text("author", group["note_author"], max_len=100)
        except ValidationError as exc:
            drop(_column(group, "note_author"), group["note_author"], exc.message)
    _activity(group, note, drop)
    if group.get("note_date"):
        try:
            note["created_at"] = read_time(group["note_date"])
        except ValueError:
            drop(_column(group, "note_date"), group["note_date"],
                 "The note's date is not a date and time (use 2026-01-31T14:05:00).")  # fmt: skip
    return note


def _activity(group: dict[str, str], note: dict[str, Any], drop: Drop) -> None:
    """A length and outcome only on a call or meeting, an outcome of its kind; else left out."""
    try:
        check_activity(note)
    except ValidationError as exc:
        target = "note_length" if exc.field == "duration_minutes" else "note_outcome"
        drop(_column(group, target), group.get(target, ""), exc.message)
        note["duration_minutes" if target == "note_length" else "outcome"] = None
        _activity(group, note, drop)  # the other one may be refused too


def read_time(text: str) -> datetime:
    """An ISO 8601 date and time (UTC when no offset is given); ValueError otherwise."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value.year < 1900 or value > datetime.now(UTC) + timedelta(days=366):
        raise ValueError(text)
    return value.astimezone(UTC)
