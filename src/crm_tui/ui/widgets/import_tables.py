"""The import screen's tables and texts: the preview's columns and rows, the summary."""

from __future__ import annotations

from rich.text import Text

from crm_tui.services.imports.service import ImportPreview, ImportSummary
from crm_tui.services.imports.summary import resume_mode
from crm_tui.text import literal
from crm_tui.ui.widgets.detail.base import cell
from crm_tui.ui.widgets.fitted_table import Column, Row
from crm_tui.wording import counted

# At 80 columns the e-mail, the name and the problem narrow with '…' (the line under the
# table gives the highlighted row's problems whole); the row, action and phone never do.
PREVIEW_COLUMNS = [Column("Row"), Column("Action"), Column("Name", flex=True),
                   Column("E-mail", flex=True, min_width=12), Column("Phone"),
                   Column("Problems", flex=True)]  # fmt: skip
ACTION_STYLE = {"create": "green", "update": "cyan", "unchanged": "dim", "skip": "yellow",
                "refuse": "bold red"}  # fmt: skip


def summary_text(s: ImportSummary) -> Text:
    """The end-of-import report, as plain text."""
    verb = "would be " if s.dry_run else ""
    lines = [
        f"{'Dry run of' if s.dry_run else 'Imported'} {s.path.name} ({s.product}, {s.encoding}): "
        f"{s.rows:,} rows in {s.seconds:.1f} s.",
        f"  {s.created:,} {verb}created, {s.updated:,} {verb}updated, "
        f"{s.unchanged:,} unchanged, {s.skipped:,} skipped, {s.refused:,} refused.",
    ]
    for reason, count in s.reasons.most_common(6):
        lines.append(f"    {count:,} × {reason}")
    if s.unverified_phones:
        lines.append(f"  {counted(s.unverified_phones, 'phone number')} kept unverified.")
    lines.extend(f"  {line}" for line in s.not_imported_lines()[:8])
    if s.values_file:
        lines.append(f"Each value not imported, with its row and reason, is in {s.values_file}.")
    if s.refused_file:
        lines.append(f"Refused rows, with the reason, are in {s.refused_file}.")
    if s.cancelled and s.dry_run:
        lines.append(f"Stopped after checking {s.rows:,} rows; nothing was written.")
    elif s.cancelled:
        lines.append(f"Stopped: {s.done_text()}. Import the file again with duplicates set "
                     f"to {resume_mode(s.mode)} to finish.")  # fmt: skip
    if s.halted_at is not None:
        lines.append(f"{s.halt_reason} Nothing after line {s.halted_at:,} was imported.")
    return Text(literal("\n".join(lines), multiline=True))


def preview_rows(preview: ImportPreview) -> list[Row]:
    """The first rows of the file as they would be saved, one line each."""
    rows: list[Row] = []
    for item in preview.rows:
        values = dict(item.values)
        name = " ".join(
            v for k, v in item.values if k in ("First name", "Last name")
        ) or values.get("Company", "")
        problems = "; ".join(item.problems) or "; ".join(item.warnings) or item.match
        rows.append((str(item.number), [
            Text(str(item.number)), Text(item.action, style=ACTION_STYLE.get(item.action, "")),
            cell(name), cell(values.get("E-mail")), cell(values.get("Phone")), cell(problems),
        ]))  # fmt: skip
    return rows
