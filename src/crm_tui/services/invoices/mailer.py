"""Reminder e-mails: the message (templates, PDF attached) and where it goes.

Two ways out: an SMTP server from config (one connection for the whole run;
plain, STARTTLS or TLS; the password from CRM_SMTP_PASSWORD or the system
keyring, never from the database), or, with no server configured, an outbox
folder of .eml files, each written privately (0600) and atomically.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Sequence
from datetime import date
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formatdate, make_msgid
from pathlib import Path
from string import Template
from types import TracebackType
from typing import Any

from crm_tui.config_invoicing import ENV_SMTP_PASSWORD, InvoicingSettings, SmtpSettings
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.dunning import DueReminder, level_name
from crm_tui.services.invoices.pdf import InvoiceDocument, render_pdf
from crm_tui.services.private_files import private_dir, private_output, write_private_files
from crm_tui.text import literal

KEYRING_SERVICE = "crm-tui"
# Which of a batch's messages went out (their positions), and why the others did not.
Sent = tuple[list[int], str | None]


class SendFailed(Exception):
    """The mail server refused or could not be reached; nothing more is sent this run."""


def reminder_message(
    due: DueReminder, doc: InvoiceDocument, settings: InvoicingSettings, today: date
) -> Message:
    """The reminder e-mail, its PDF attached. Built with the email package's classic MIME
    classes: the same message as EmailMessage's, in a fifth of the time (header parsing
    cost 3 ms a message, longer than its PDF on a run of 50,000)."""
    invoice = due.invoice
    values = {
        "customer": literal(invoice.customer_name), "number": invoice.label,
        "total": f"{invoice.total:,.2f}", "owed": f"{invoice.owed:,.2f}",
        "currency": invoice.currency, "issue_date": str(invoice.issue_date),
        "due_date": str(invoice.due_date), "days_overdue": str(invoice.days_overdue(today)),
        "seller": settings.seller, "level": str(due.level),
        "level_name": level_name(due.level, len(settings.levels)),
    }  # fmt: skip
    message = MIMEMultipart()
    subject = Template(settings.subject).safe_substitute(values)
    headers = {
        "From": settings.smtp.sender or settings.seller_email or "invoices@localhost",
        "To": due.email or "",
        "Subject": " ".join(subject.split()),  # one line, whatever the template held
        "Date": formatdate(localtime=True),
        "Message-ID": make_msgid(domain="crm-tui.invalid"),
    }
    for name, value in headers.items():
        message[name] = value if value.isascii() else Header(value, "utf-8")  # type: ignore[assignment]
    message.attach(MIMEText(Template(settings.body).safe_substitute(values), "plain", "utf-8"))
    attachment = MIMEApplication(render_pdf(doc, settings), "pdf")
    attachment.add_header("Content-Disposition", "attachment", filename=f"{invoice.label}.pdf")
    message.attach(attachment)
    return message


class _PlainHeaders(Compat32):
    """compat32 (the classic MIME classes' policy), minus its Header round trip for a
    header that is one short ASCII line, which it leaves as it is anyway: folding the
    dozen headers of a reminder cost more than its PDF's text."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= 78
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]  # not in the stubs


PLAIN_HEADERS = _PlainHeaders()


def eml_bytes(message: Message) -> bytes:
    """The message as an .eml file holds it: the bytes `as_bytes()` gives, made faster."""
    return message.as_bytes(policy=PLAIN_HEADERS)


class Outbox:
    """Writes each message to DIR/NUMBER-reminder-LEVEL.eml."""

    channel = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = private_dir(folder)

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def send(self, message: Message, name: str) -> None:
        with private_output(self.folder / f"{name}.eml") as partial:
            partial.write_bytes(eml_bytes(message))

    def send_all(self, messages: Sequence[tuple[Message, str]]) -> Sent:
        """Write a batch of messages at once; a file that cannot be written is not sent."""
        files = [(f"{name}.eml", eml_bytes(message)) for message, name in messages]
        refusals = write_private_files(self.folder, files)
        failure = next((str(r) for r in refusals if r is not None), None)
        return [n for n, r in enumerate(refusals) if r is None], failure


class SmtpSender:
    """One SMTP connection for a run of reminders."""

    channel = "smtp"

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        try:
            if self.smtp.security == "tls":
                self.client = smtplib.SMTP_SSL(
                    self.smtp.host, self.smtp.port, timeout=30, context=self._tls(),
                )  # fmt: skip
            else:
                self.client = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=30)
                if self.smtp.security == "starttls":
                    self.client.starttls(context=self._tls())
            if self.smtp.user:
                self.client.login(self.smtp.user, smtp_password(self.smtp.user))
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(
                f"The mail server {self.smtp.host}:{self.smtp.port} could not be used: {exc}."
            ) from exc
        return self

    def _tls(self) -> ssl.SSLContext:
        """Certificates checked against the system's authorities, or `ca_file`'s."""
        ca_file = self.smtp.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                self.client.close()

    def send_all(self, messages: Sequence[tuple[Message, str]]) -> Sent:
        """Send one after another over the connection; stop at the first refusal."""
        done: list[int] = []
        for n, (message, name) in enumerate(messages):
            try:
                self.send(message, name)
            except SendFailed as exc:
                return done, str(exc)
            done.append(n)
        return done, None

    def send(self, message: Message, name: str) -> None:
        assert self.client is not None
        try:
            self.client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"The mail server refused {name}: {exc}.") from exc


def smtp_password(user: str) -> str:
    password = os.environ.get(ENV_SMTP_PASSWORD)
    if password:
        return password
    try:
        import keyring  # optional: only where the system keyring is set up
    except ImportError:
        keyring = None
    found = keyring.get_password(KEYRING_SERVICE, user) if keyring is not None else None
    if not found:
        raise ValidationError(
            "smtp",
            f"Set {ENV_SMTP_PASSWORD} (or the keyring's password for {user} under "
            f"{KEYRING_SERVICE}) to send through the mail server.",
        )
    return str(found)
