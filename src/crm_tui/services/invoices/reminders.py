"""Sending dunning reminders: each invoice and level at most once, recorded as an activity.

A reminder is claimed before it goes out: its (invoice, level) row is
committed as "sending" under a unique key, so two runs at once never both
send it. After the message is handed to the mail server (or written to the
outbox) the row becomes "sent" and a note of type e-mail is added to the
customer's timeline, with history. When the server fails mid-run, the claims
of messages not sent are released, so a retry sends exactly those; a crash
between sending and recording leaves "sending" rows, which are never sent
again and are listed so a clerk can check them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.config import data_dir
from crm_tui.models import ChangeRecord, Invoice, InvoiceReminder, Note
from crm_tui.models.enums import NoteType, Visibility
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.common import core_table
from crm_tui.services.context import ServiceContext
from crm_tui.services.invoices import documents
from crm_tui.services.invoices.dunning import DueReminder, due_reminders, level_name
from crm_tui.services.invoices.mailer import Outbox, SendFailed, SmtpSender, reminder_message
from crm_tui.services.roles.policy import Capability

BATCH = 200
# Core: one executemany a batch for each (ORM rows cost about a millisecond a reminder)
_REMINDERS = core_table(InvoiceReminder)
_NOTES = core_table(Note)
_HISTORY = core_table(ChangeRecord)


@dataclass
class ReminderRun:
    """What a run did: sent (number, level, recipient), skipped (number, reason), stuck, failure."""

    channel: str
    outbox: Path | None
    sent: list[tuple[str, int, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    failure: str | None = None


class ReminderService:
    """Overdue invoices' reminders: listed, or sent by SMTP or to an .eml outbox."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def due(
        self, *, today: date | None = None, customer_id: int | None = None
    ) -> list[DueReminder]:
        with self.ctx.read() as session:
            return due_reminders(
                session, self.ctx.invoicing.levels, today or date.today(), customer_id=customer_id
            )

    def send(
        self,
        *,
        today: date | None = None,
        customer_id: int | None = None,
        invoice_ids: Sequence[int] | None = None,
        outbox: Path | None = None,
        dry_run: bool = False,
    ) -> ReminderRun:
        """Send every reminder due (of one customer, or of the chosen invoices)."""
        if not dry_run:  # the role, before any work
            self.ctx.permissions.require(Capability.REMIND)
        day = today or date.today()
        smtp = self.ctx.invoicing.smtp
        use_smtp = bool(smtp.host) and outbox is None
        folder = None if use_smtp else outbox or self.ctx.invoicing.outbox or data_dir() / "outbox"
        result = ReminderRun(channel="smtp" if use_smtp else "outbox", outbox=folder)
        with self.ctx.read() as session:
            due = due_reminders(
                session, self.ctx.invoicing.levels, day,
                customer_id=customer_id, invoice_ids=invoice_ids,
            )  # fmt: skip
            result.stuck = _stuck(session)
        result.skipped = [(d.invoice.label, d.skip_reason) for d in due if d.skip_reason]
        sendable = [d for d in due if d.skip_reason is None]
        if dry_run or not sendable:
            result.sent = [(d.invoice.label, d.level, d.email or "") for d in sendable]
            return result
        self.ctx.require(Capability.REMIND)
        try:
            with SmtpSender(smtp) if use_smtp else Outbox(folder or Path(".")) as transport:
                for start in range(0, len(sendable), BATCH):
                    batch = sendable[start : start + BATCH]
                    done, failure = self._send_batch(batch, transport, day)
                    result.sent += [(d.invoice.label, d.level, d.email or "") for d in done]
                    if failure is not None:
                        result.failure = failure
                        break
        except SendFailed as exc:  # no connection (or TLS, or login): nothing was claimed
            result.failure = str(exc)
        return result

    def _send_batch(
        self, batch: list[DueReminder], transport: Outbox | SmtpSender, day: date
    ) -> tuple[list[DueReminder], str | None]:
        claimed = self._claim(batch, transport.channel)
        with self.ctx.read() as session:  # the batch's documents in a few queries
            docs = documents.documents(session, [d.invoice.id for d in claimed])
        messages = [
            (
                reminder_message(due, docs[due.invoice.id], self.ctx.invoicing, day),
                f"{due.invoice.label}-reminder-{due.level}",
            )
            for due in claimed
        ]
        sent, failure = transport.send_all(messages)
        done = [claimed[n] for n in sent]
        self._record(done, [d for d in claimed if d not in done], transport.channel)
        return done, failure

    def _claim(self, batch: list[DueReminder], channel: str) -> list[DueReminder]:
        """Insert "sending" rows; those another run claimed first are left out."""
        rows = [
            {
                "invoice_id": d.invoice.id,
                "level": d.level,
                "status": "sending",
                "channel": channel,
                "recipient": d.email or "",
            }  # fmt: skip
            for d in batch
        ]
        with self.ctx.write(Capability.REMIND) as session:
            dialect = postgresql if self.ctx.db.dialect == "postgresql" else sqlite
            won = set(
                session.execute(
                    dialect.insert(InvoiceReminder)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(col(InvoiceReminder.invoice_id))
                ).scalars()
            )
        return [d for d in batch if d.invoice.id in won]

    def _record(self, done: list[DueReminder], unsent: list[DueReminder], channel: str) -> None:
        """Mark sent ones and add their activity; release the claims of those not sent.
        One transaction and a few statements for the whole batch."""
        levels = len(self.ctx.invoicing.levels)
        with self.ctx.write(Capability.REMIND) as session:
            if unsent:
                session.execute(
                    delete(InvoiceReminder).where(
                        tuple_(col(InvoiceReminder.invoice_id), col(InvoiceReminder.level)).in_(
                            [(d.invoice.id, d.level) for d in unsent]
                        )
                    )
                )
            if not done:
                return
            now = utcnow()
            via = "e-mail" if channel == "smtp" else "the .eml outbox"
            note_ids = session.scalars(
                insert(_NOTES).returning(_NOTES.c.id, sort_by_parameter_order=True),
                [
                    {
                        "customer_id": due.invoice.customer_id,
                        "type": NoteType.EMAIL.value,
                        "title": f"{level_name(due.level, levels)} sent for {due.invoice.label}",
                        "body": f"To {due.email} by {via}; {due.invoice.owed:,.2f} "
                        f"{due.invoice.currency} overdue since {due.invoice.due_date}.",
                        "follow_up_on": None,
                        "done": False,
                        "pinned": False,
                        "visibility": Visibility.INTERNAL.value,
                        "author": self.ctx.actor,
                        "created_at": now,
                        "version": 1,
                    }
                    for due in done
                ],
            ).all()
            session.execute(
                update(_REMINDERS)
                .where(
                    _REMINDERS.c.invoice_id == bindparam("b_invoice"),
                    _REMINDERS.c.level == bindparam("b_level"),
                )
                .values(status="sent", note_id=bindparam("b_note")),
                [
                    {"b_invoice": due.invoice.id, "b_level": due.level, "b_note": note_id}
                    for due, note_id in zip(done, note_ids, strict=True)
                ],
            )
            session.execute(
                insert(_HISTORY),
                [
                    {
                        "customer_id": due.invoice.customer_id, "entity": "invoice",
                        "entity_id": due.invoice.id, "action": "remind", "field": "reminder",
                        "old_value": None, "new_value": history.as_text(
                            f"{level_name(due.level, levels)} to {due.email}"
                        ),
                        "version": 0, "actor": self.ctx.actor, "changed_at": now,
                    }
                    for due in done
                ],
            )  # fmt: skip


def _stuck(session: Session) -> list[str]:
    """Invoices whose reminder was claimed but never recorded as sent (a crash mid-send)."""
    return list(
        session.scalars(
            select(col(Invoice.number))
            .join(InvoiceReminder, col(InvoiceReminder.invoice_id) == col(Invoice.id))
            .where(col(InvoiceReminder.status) == "sending")
            .order_by(col(Invoice.number))
        )
    )
