"""Calls and meetings record a length and an outcome; other notes never do (both engines)."""

from __future__ import annotations

import pytest

from crm_tui.services.customers.activities import activity_summary, parse_duration
from crm_tui.services.customers.inputs import CustomerCreate, NoteCreate, NoteUpdate
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("25", 25), (" 1h30 ", 90), ("45 min", 45), ("2 hours", 120), ("1:05", 65), (15, 15),
     ("", None)],
)  # fmt: skip
def test_lengths_as_typed(typed: object, minutes: int | None) -> None:
    """Minutes, units or h:mm all read; empty is no length."""
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize("typed", ["soon", "0", "25:00:00", "1:75", "25h"])
def test_lengths_refused(typed: str) -> None:
    """Words, nothing at all and more than a day are refused with one sentence."""
    with pytest.raises(ValidationError) as refused:
        parse_duration(typed)
    assert refused.value.field == "duration_minutes"


def test_summary_reads_like_speech() -> None:
    """90 minutes and 'reached' read '1 h 30 min · reached'."""
    assert activity_summary(90, "reached") == "1 h 30 min · reached"
    assert activity_summary(25, None) == "25 min"
    assert activity_summary(None, "no-show") == "no-show"
    assert activity_summary(None, None) == ""


def test_call_and_meeting_keep_length_and_outcome(services: Services) -> None:
    """Stored as minutes and a lower-case outcome of the note's kind; shown as a summary."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    call = services.notes.add(
        ana, NoteCreate(type="call", title="Renewal", duration_minutes="1h05", outcome="Reached")
    )
    assert (call.duration_minutes, call.outcome, call.summary) == (
        65,
        "reached",
        "1 h 5 min · reached",
    )
    meeting = services.notes.add(ana, NoteCreate(type="meeting", title="Demo", outcome="no-show"))
    assert meeting.summary == "no-show"
    with pytest.raises(ValidationError, match="A call ends reached, no answer") as refused:
        services.notes.add(ana, NoteCreate(type="call", title="x", outcome="held"))
    assert refused.value.field == "outcome"


def test_other_notes_have_neither(services: Services) -> None:
    """A length on a note is refused; a call turned into a task loses both (logged)."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    with pytest.raises(ValidationError, match="Only calls and meetings"):
        services.notes.add(ana, NoteCreate(title="Memo", duration_minutes="5"))
    call = services.notes.add(
        ana, NoteCreate(type="call", title="Chased", duration_minutes="5", outcome="busy")
    )
    task = services.notes.update(call.id, NoteUpdate(type="task"), expected_version=call.version)
    assert (task.type, task.duration_minutes, task.outcome) == ("task", None, None)
    logged = {
        (e.field, e.old_value, e.new_value)
        for e in services.history.for_customer(ana)
        if e.entity == "note" and e.action == "update"
    }
    assert logged == {("type", "call", "task"), ("duration_minutes", "5", None),
                      ("outcome", "busy", None)}  # fmt: skip
    with pytest.raises(ValidationError, match="Only calls and meetings"):
        services.notes.update(task.id, NoteUpdate(outcome="held"))
    again = services.notes.update(
        task.id, NoteUpdate(type="meeting", outcome="held", duration_minutes="30")
    )
    assert again.summary == "30 min · held"
