"""What an import reports: the preview of its first rows and the summary of a run."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crm_tui.services.history import as_text
from crm_tui.services.imports.batch import Outcome
from crm_tui.services.imports.mapping import TARGETS, Mapping

EXAMPLES = 50


@dataclass(frozen=True)
class PreviewRow:
    """One row as it will be saved, with what will happen and its problems."""

    number: int
    action: str  # create | update | unchanged | skip | refuse
    values: tuple[tuple[str, str], ...]  # (field label, value shown)
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    match: str


@dataclass(frozen=True)
class DateQuestion:
    """A date column whose values read both day-first and month-first."""

    column: str
    example: str

    @property
    def message(self) -> str:
        return (
            f"The dates in the {self.column!r} column read both day-first and month-first "
            f"(such as {self.example})"
        )


@dataclass(frozen=True)
class ImportPreview:
    """What the file is, how its columns map, and its first rows planned."""

    path: Path
    kind: str
    encoding: str
    product: str
    headers: tuple[str, ...]
    mapping: Mapping
    rows: tuple[PreviewRow, ...]
    notes: tuple[str, ...]
    date_question: DateQuestion | None = None


@dataclass
class ImportSummary:
    """The outcome of an import (or a dry run)."""

    path: Path
    mode: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)
    not_imported: Counter[str] = field(default_factory=Counter)  # column -> values left out
    unverified_phones: int = 0
    values: int = 0  # non-empty values in the rows read
    values_kept: int = 0  # of those, kept in a field of an imported customer
    refused_file: Path | None = None
    values_file: Path | None = None
    seconds: float = 0.0
    cancelled: bool = False
    product: str = ""
    encoding: str = ""
    date_order: str | None = None
    # A quote that swallowed the rest of a CSV: its line and why; nothing after it was read.
    halted_at: int | None = None
    halt_reason: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def count(self, outcome: Outcome) -> None:
        self.rows += 1
        row = outcome.row
        self.values += row.value_count
        if outcome.action in ("create", "update", "unchanged"):
            self.values_kept += max(0, row.value_count - sum(d.values for d in row.dropped))
        match outcome.action:
            case "create":
                self.created += 1
            case "update":
                self.updated += 1
            case "unchanged":
                self.unchanged += 1
            case "skip":
                self.skipped += 1
            case _:
                self.refused += 1
                self.reasons[reason_kind(outcome.reason)] += 1
                if len(self.examples) < EXAMPLES:
                    self.examples.append((outcome.row.number, outcome.reason))
        if outcome.action in ("create", "update", "unchanged"):
            for dropped in row.dropped:
                self.not_imported[dropped.column] += dropped.values
            self.unverified_phones += sum(1 for w in outcome.row.warnings if "unverified" in w)

    def done_text(self) -> str:
        """'the first 2,000 rows were done (1,990 saved, 10 refused)': what a stop kept."""
        saved = self.created + self.updated
        return f"the first {self.rows:,} rows were done ({saved:,} saved, {self.refused:,} refused)"

    def not_imported_lines(self) -> list[str]:
        """'Photo: 12 values not imported', most first."""
        return [
            f"{column}: {count:,} value{'s' if count != 1 else ''} not imported"
            for column, count in self.not_imported.most_common()
        ]


@dataclass(frozen=True)
class ImportProgress:
    """Sent after each batch."""

    fraction: float
    summary: ImportSummary


def resume_mode(mode: str) -> str:
    """The duplicate mode that finishes a stopped import: rows already saved are found by
    e-mail, then phone; "create" again would add them twice."""
    return "skip" if mode == "create" else mode


def reason_kind(reason: str) -> str:
    """'The e-mail 'x@' is not valid: ...' -> 'The e-mail … is not valid' (for counting)."""
    first = reason.split("; ")[0]
    general = re.sub(r"'[^']*'|\"[^\"]*\"|\S+@\S+|C-\d+|row \d+", "…", first)
    return general.split(":")[0].strip().rstrip(".")


def preview_row(outcome: Outcome) -> PreviewRow:
    row = outcome.row
    shown: list[tuple[str, str]] = [
        (TARGETS.get(name, name.replace("_", " ")), as_text(value) or "")
        for name, value in row.values.items()
        if value not in (None, "")
    ]
    for address in row.addresses:
        parts = [address.get(k) for k in ("line1", "line2", "city", "postal_code", "country")]
        shown.append(("Address", ", ".join(p for p in parts if p)))
    if row.tags:
        shown.append(("Tags", ", ".join(row.tags)))
    if row.billing_group:
        shown.append(("Billing group", row.billing_group))
    for note in row.notes:
        shown.append(("Note", (note["body"] or note["title"])[:80]))
    problems = tuple(row.problems) or ((outcome.reason,) if outcome.action == "refuse" else ())
    warnings = (*row.warnings, *(f"{d.column}: {d.reason}" for d in row.dropped))
    return PreviewRow(row.number, outcome.action, tuple(shown), problems, warnings,
                      outcome.match)  # fmt: skip
