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
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from string import Template
from types import TracebackType

from crm_tui.config_invoicing import ENV_SMTP_PASSWORD, InvoicingSettings, SmtpSettings
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices.dunning import DueReminder, level_name
from crm_tui.services.invoices.pdf import InvoiceDocument, render_pdf
from crm_tui.services.private_files import private_dir, private_output
from crm_tui.text import literal

KEYRING_SERVICE = "crm-tui"


class SendFailed(Exception):
    """The mail server refused or could not be reached; nothing more is sent this run."""


def reminder_message(
    due: DueReminder, doc: InvoiceDocument, settings: InvoicingSettings, today: date
) -> EmailMessage:
    invoice = due.invoice
    values = {
        "customer": literal(invoice.customer_name), "number": invoice.label,
        "total": f"{invoice.total:,.2f}", "owed": f"{invoice.owed:,.2f}",
        "currency": invoice.currency, "issue_date": str(invoice.issue_date),
        "due_date": str(invoice.due_date), "days_overdue": str(invoice.days_overdue(today)),
        "seller": settings.seller, "level": str(due.level),
        "level_name": level_name(due.level, len(settings.levels)),
    }  # fmt: skip
    message = EmailMessage()
    message["From"] = settings.smtp.sender or settings.seller_email or "invoices@localhost"
    message["To"] = due.email or ""
    subject = Template(settings.subject).safe_substitute(values)
    message["Subject"] = " ".join(subject.split())  # one line, whatever the template held
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="crm-tui.invalid")
    message.set_content(Template(settings.body).safe_substitute(values))
    message.add_attachment(
        render_pdf(doc, settings), maintype="application", subtype="pdf",
        filename=f"{invoice.label}.pdf",
    )  # fmt: skip
    return message


class Outbox:
    """Writes each message to DIR/NUMBER-reminder-LEVEL.eml."""

    channel = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = private_dir(folder)

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def send(self, message: EmailMessage, name: str) -> None:
        with private_output(self.folder / f"{name}.eml") as partial:
            partial.write_bytes(bytes(message))


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

    def send(self, message: EmailMessage, name: str) -> None:
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
