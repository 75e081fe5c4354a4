"""Dunning reminders sent to a real SMTP server on loopback (aiosmtpd), and to an .eml outbox.

Checked: recipient, subject, the attached PDF's text (invoice number and
total), one reminder per invoice and level, the activity on the customer,
skipped customers with their reason, and a server failure mid-run sending
nothing twice on retry. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from crm_tui.config_invoicing import InvoicingSettings, SmtpSettings
from crm_tui.models.enums import NoteType
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services

TODAY = date(2026, 3, 31)


@dataclass
class Inbox:
    """What the test SMTP server received; `refuse_after` makes it fail from then on."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_after: int | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_after is not None and len(self.messages) >= self.refuse_after:
            return "451 Try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(services: Services) -> Iterator[Inbox]:
    """An SMTP server on loopback, and the services pointed at it (no TLS on loopback)."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="ar@northwind.example")
    settings = InvoicingSettings(seller="Northwind Ltd", smtp=smtp)
    object.__setattr__(services, "ctx", replace(services.ctx, invoicing=settings))
    yield handler
    controller.stop()


def overdue(services: Services, email: str | None, days: int, price: str = "45.00") -> int:
    """A customer with one invoice due `days` before TODAY; the invoice id."""
    cid = services.customers.create(CustomerCreate(first_name="Late", email=email)).id
    draft = services.invoices.create_draft(cid, [LineInput("Repair", price)])
    return services.invoices.issue(draft.id, on=TODAY - timedelta(days=days)).id


def pdf_text(message: EmailMessage) -> str:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_reminder_reaches_the_server_with_the_pdf(services: Services, inbox: Inbox) -> None:
    """An invoice 10 days late gets the first reminder, its PDF attached, and an activity."""
    invoice_id = overdue(services, "late@example.com", 10)
    run = services.reminders.send(today=TODAY)
    assert (run.channel, run.sent, run.failure) == (
        "smtp",
        [("INV-2026-000001", 1, "late@example.com")],
        None,
    )
    [message] = inbox.messages
    assert message["To"] == "late@example.com"
    assert message["Subject"] == "First reminder: invoice INV-2026-000001 is 10 days overdue"
    text = pdf_text(message)
    assert "INV-2026-000001" in text and "45.00" in text
    customer = services.invoices.get(invoice_id).invoice.customer_id
    [note] = services.notes.list(customer, note_type=NoteType.EMAIL.value)
    assert note.title == "First reminder sent for INV-2026-000001"


def test_each_level_once(services: Services, inbox: Inbox) -> None:
    """Running again the same day sends nothing; at 40 days the final notice goes, once."""
    overdue(services, "late@example.com", 10)
    services.reminders.send(today=TODAY)
    assert services.reminders.send(today=TODAY).sent == []
    later = TODAY + timedelta(days=30)
    assert [s[1] for s in services.reminders.send(today=later).sent] == [3]
    assert services.reminders.send(today=later).sent == []
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == [
        "First reminder",
        "Final notice",
    ]


def test_paid_invoice_gets_no_reminder(services: Services, inbox: Inbox) -> None:
    """An overdue invoice paid in full is no longer reminded."""
    invoice_id = overdue(services, "late@example.com", 10)
    customer = services.invoices.get(invoice_id).invoice.customer_id
    services.billing.record_payment(customer, PaymentCreate(amount="45.00"))
    assert services.reminders.send(today=TODAY).sent == []


def test_skipped_customers_say_why(services: Services, inbox: Inbox) -> None:
    """No e-mail, blocked and erased customers are skipped with a reason; nothing is sent."""
    overdue(services, None, 10)
    blocked = overdue(services, "blocked@example.com", 10)
    erased = overdue(services, "erased@example.com", 10)
    blocked_cid = services.invoices.get(blocked).invoice.customer_id
    services.customers.block(blocked_cid, "Fraud check")
    erased_cid = services.invoices.get(erased).invoice.customer_id
    services.customers.erase(erased_cid, confirm=f"C-{erased_cid:06d}")
    run = services.reminders.send(today=TODAY)
    assert run.sent == [] and inbox.messages == []
    assert sorted(reason for _, reason in run.skipped) == [
        "the customer has no e-mail address", "the customer is blocked",
        "the customer's data was erased",
    ]  # fmt: skip


def test_server_failure_mid_run_sends_nothing_twice(services: Services, inbox: Inbox) -> None:
    """The server refuses the second message: the retry sends only what was not sent."""
    for n in range(3):
        overdue(services, f"late{n}@example.com", 10)
    inbox.refuse_after = 1
    first = services.reminders.send(today=TODAY)
    assert len(first.sent) == 1 and first.failure is not None and "451" in first.failure
    inbox.refuse_after = None
    second = services.reminders.send(today=TODAY)
    assert len(second.sent) == 2 and second.failure is None
    assert sorted(m["To"] for m in inbox.messages) == [f"late{n}@example.com" for n in range(3)]


def test_outbox_writes_private_eml_files(services: Services, tmp_path: Path) -> None:
    """Without SMTP, each reminder is a 0600 .eml file in the outbox, PDF attached."""
    overdue(services, "late@example.com", 22)
    run = services.reminders.send(today=TODAY, outbox=tmp_path / "out")
    assert (run.channel, [s[1] for s in run.sent]) == ("outbox", [2])
    [eml] = list((tmp_path / "out").iterdir())
    assert eml.name == "INV-2026-000001-reminder-2.eml"
    assert (
        eml.stat().st_mode & 0o777 == 0o600 and (tmp_path / "out").stat().st_mode & 0o777 == 0o700
    )
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "late@example.com" and "INV-2026-000001" in pdf_text(message)


def test_dry_run_sends_and_records_nothing(services: Services, inbox: Inbox) -> None:
    """A dry run lists what is due and leaves no claim behind."""
    overdue(services, "late@example.com", 10)
    assert len(services.reminders.send(today=TODAY, dry_run=True).sent) == 1
    assert inbox.messages == []
    assert len(services.reminders.send(today=TODAY).sent) == 1
