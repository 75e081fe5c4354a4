"""What a call or a meeting records beyond a note: how long it took and how it ended.

Only calls and meetings have them. A call ends reached, unanswered, on a
voicemail, busy or at a wrong number; a meeting is held, a no-show,
rescheduled or cancelled. A length is typed as minutes ("25"), with units
("1h30", "45 min") or as hours and minutes ("1:30"), up to a day.
"""

from __future__ import annotations

import re
from typing import Any

from crm_tui.models.enums import CallOutcome, MeetingOutcome, NoteType
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text

OUTCOMES: dict[str, tuple[str, ...]] = {
    NoteType.CALL.value: tuple(o.value for o in CallOutcome),
    NoteType.MEETING.value: tuple(o.value for o in MeetingOutcome),
}
MAX_MINUTES = 24 * 60
# "2 hours", "45 min", "1h30" (minutes after hours need no unit).
_UNITS = re.compile(r"(?:(\d+)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*(?:m(?:in(?:ute)?s?)?)?)?")


def parse_duration(raw: object) -> int | None:
    """Whole minutes from "25", "1h30", "45 min", "2 hours" or "1:30"; None when empty."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        minutes: int | None = raw
    else:
        text = (clean_text("duration_minutes", raw, max_len=20) or "").lower()
        if not text:
            return None
        minutes = _minutes(text)
    if minutes is None:
        raise ValidationError(
            "duration_minutes",
            f"The length {raw!r} is not a duration; type minutes (25), 1h30 or 1:30.",
        )
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError("duration_minutes", "The length must be from 1 minute to 24 hours.")
    return minutes


def _minutes(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if match := re.fullmatch(r"(\d+):([0-5]\d)", text):
        return int(match[1]) * 60 + int(match[2])
    match = _UNITS.fullmatch(text)
    if match and (match[1] or match[2]):
        return int(match[1] or 0) * 60 + int(match[2] or 0)
    return None


def check_activity(values: dict[str, Any]) -> None:
    """A length or an outcome only on a call or a meeting, and an outcome of its kind
    (normalised in `values`); `values` is the whole note."""
    kind = values.get("type")
    allowed = OUTCOMES.get(str(kind))
    if allowed is None:
        for field in ("duration_minutes", "outcome"):
            if values.get(field) not in (None, ""):
                raise ValidationError(
                    field, f"Only calls and meetings record a length and an outcome, not a {kind}."
                )
            values[field] = None
        return
    outcome = values.get("outcome") or None
    if outcome is not None:
        wanted = outcome.strip().lower()
        if wanted not in allowed:
            raise ValidationError(
                "outcome", f"A {kind} ends {', '.join(allowed[:-1])} or {allowed[-1]}."
            )
        outcome = wanted
    values["outcome"] = outcome


def activity_edit(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The changes of an edit, checked against the note they leave: a call turned into a
    note loses its length and outcome; giving one to a note is refused."""
    merged = {**stored, **changes}
    if merged.get("type") not in OUTCOMES:
        for field in ("duration_minutes", "outcome"):
            if field not in changes:
                merged[field] = None
    check_activity(merged)
    return {f: v for f, v in merged.items() if f in changes or v != stored.get(f)}


def activity_summary(minutes: int | None, outcome: str | None) -> str:
    """ "1 h 30 min · reached", "25 min", "no-show" or ""."""
    parts = []
    if minutes:
        hours, rest = divmod(minutes, 60)
        parts.append(
            " ".join(p for p in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if p)
        )
    if outcome:
        parts.append(outcome)
    return " · ".join(parts)
