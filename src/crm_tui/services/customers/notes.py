"""The activity timeline: notes, calls, e-mails, meetings and tasks."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Note
from crm_tui.models.enums import NoteType, Visibility
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.activities import (
    activity_edit,
    activity_summary,
    check_activity,
    parse_duration,
)
from crm_tui.services.customers.inputs import NoteCreate, NoteUpdate
from crm_tui.services.customers.statements import pinned_notes
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text, parse_choice, parse_date

FIELDS = ("type", "title", "body", "follow_up_on", "done", "pinned", "visibility",
          "duration_minutes", "outcome")  # fmt: skip


@dataclass(frozen=True)
class NoteRead:
    """A timeline entry as callers see it: plain values, safe after the session closes."""

    id: int
    customer_id: int
    type: str
    title: str
    body: str
    follow_up_on: date | None
    done: bool
    pinned: bool
    visibility: str
    author: str
    created_at: datetime
    version: int
    duration_minutes: int | None = None
    outcome: str | None = None

    @property
    def summary(self) -> str:
        """A call's or meeting's length and outcome ("25 min · reached"); "" for others."""
        return activity_summary(self.duration_minutes, self.outcome)


def clean_note(raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown note field {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if field == "type":
            out[field] = parse_choice(value, field, [t.value for t in NoteType])
        elif field == "visibility":
            out[field] = parse_choice(value, field, [v.value for v in Visibility])
        elif field == "follow_up_on":
            out[field] = parse_date(value, "follow_up_on")
        elif field in ("done", "pinned"):
            out[field] = bool(value)
        elif field == "title":
            out[field] = clean_text(field, value, required=True, max_len=300)
        elif field == "duration_minutes":
            out[field] = parse_duration(value)
        elif field == "outcome":
            out[field] = clean_text(field, value, max_len=24)
        else:
            out[field] = clean_text(field, value) or ""
    if not partial and not out.get("title"):
        raise ValidationError("title", "The note needs a title.")
    return out


def new_note_values(data: NoteCreate) -> dict[str, Any]:
    """A new note checked, with type (note) and visibility (internal) filled in."""
    values = clean_note({"type": "note", "visibility": "internal", **data.given()})
    check_activity(values)
    return values


def insert_note(session: Session, *, actor: str, customer_id: int, values: dict[str, Any]) -> Note:
    note = Note(customer_id=customer_id, author=actor, **values)
    session.add(note)
    child_rows.record_create(
        session, note, "note", actor, {"type": values["type"], "title": values["title"]}
    )
    return note


class NoteService:
    """Timeline entries, newest first with pinned ones on top."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(
        self, customer_id: int, *, note_type: str | None = None, limit: int = 500
    ) -> builtins.list[NoteRead]:
        with self.ctx.read() as session:
            query = select(Note).where(col(Note.customer_id) == customer_id)
            if note_type:
                query = query.where(col(Note.type) == note_type)
            query = query.order_by(
                col(Note.pinned).desc(), col(Note.created_at).desc(), col(Note.id).desc()
            )
            return [
                child_rows.read_of(NoteRead, row) for row in session.scalars(query.limit(limit))
            ]

    def pinned(self, customer_id: int) -> builtins.list[NoteRead]:
        with self.ctx.read() as session:
            rows = session.scalars(pinned_notes(customer_id))
            return [child_rows.read_of(NoteRead, row) for row in rows]

    def add(self, customer_id: int, data: NoteCreate) -> NoteRead:
        values = new_note_values(data)
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            note = insert_note(
                session, actor=self.ctx.actor, customer_id=customer_id, values=values
            )
            return child_rows.read_of(NoteRead, note)

    def update(
        self, note_id: int, changes: NoteUpdate, *, expected_version: int | None = None
    ) -> NoteRead:
        cleaned = clean_note(changes.given(), partial=True)

        def checked(note: Note) -> dict[str, Any]:
            stored = {f: getattr(note, f) for f in FIELDS}
            return activity_edit(stored, cleaned)

        return self._change(note_id, checked, expected_version)

    def toggle_pin(self, note_id: int) -> NoteRead:
        return self._change(note_id, lambda note: {"pinned": not note.pinned}, None)

    def _change(
        self,
        note_id: int,
        changes: Callable[[Note], dict[str, Any]],
        expected_version: int | None,
    ) -> NoteRead:
        """One unit of work: lock the note, apply `changes(note)` with history."""
        with self.ctx.write() as session:
            note = child_rows.load_child(session, Note, note_id)
            child_rows.live_customer(session, note.customer_id)
            child_rows.apply_changes(
                session,
                note,
                changes(note),
                entity="note",
                actor=self.ctx.actor,
                expected_version=expected_version,
            )
            return child_rows.read_of(NoteRead, note)

    def remove(self, note_id: int) -> None:
        with self.ctx.write() as session:
            note = child_rows.load_child(session, Note, note_id)
            child_rows.live_customer(session, note.customer_id)
            child_rows.record_delete(session, note, "note", self.ctx.actor, note.title)


def is_overdue(note: Note | NoteRead, today: date | None = None) -> bool:
    return (
        note.follow_up_on is not None
        and not note.done
        and note.follow_up_on < (today or date.today())
    )
