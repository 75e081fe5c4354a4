"""Invoicing settings from config.toml: seller, tax, dunning levels and templates, SMTP.

    [invoice]
    seller = "Northwind Ltd"
    seller_address = "1 Quay St, Leeds LS1 1AA"
    seller_vat_id = "GB123456789"
    seller_email = "accounts@northwind.example"
    tax_rate = 20            # percent on subscription and order lines
    font = "/path/to/Font.ttf"   # optional: a TrueType font for PDFs

    [dunning]
    levels = [7, 21, 35]     # days after the due date
    subject = "Reminder: invoice $number is $days_overdue days overdue"
    body = "..."             # $customer $number $total $currency $due_date $days_overdue $seller $level
    outbox = "/path/to/folder"   # where .eml files go when no SMTP server is set

    [smtp]
    host = "smtp.example.com"
    port = 587
    security = "starttls"    # none | starttls | tls
    user = "accounts"
    from = "accounts@northwind.example"
    ca_file = "/path/to/ca.pem"  # optional: trust this CA (a server with a private certificate)

The SMTP password is never in the file: CRM_SMTP_PASSWORD, or the system
keyring (service "crm-tui", the user name) when the keyring package is there.
Nothing here reads the disk at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

ENV_SMTP_PASSWORD = "CRM_SMTP_PASSWORD"
SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_LEVELS = (7, 21, 35)
DEFAULT_SUBJECT = "$level_name: invoice $number is $days_overdue days overdue"
DEFAULT_BODY = (
    "Dear $customer,\n\n"
    "our invoice $number of $issue_date for $total $currency was due on $due_date and is "
    "now $days_overdue days overdue; $owed $currency is still open.\n\n"
    "Please pay it at your earliest convenience. The invoice is attached; if you have "
    "paid in the meantime, please ignore this message.\n\n"
    "Kind regards,\n$seller\n"
)


class InvoicingConfigError(Exception):
    """A value in config.toml's [invoice], [dunning] or [smtp] cannot be used."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminders are sent; `host` empty means "write .eml files instead"."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    # The certificate authorities trusted for STARTTLS/TLS; None: the system's.
    ca_file: Path | None = None


@dataclass(frozen=True)
class InvoicingSettings:
    """Everything invoicing reads from the config file."""

    seller: str = "Your company"
    seller_address: str = ""
    seller_vat_id: str = ""
    seller_email: str = ""
    tax_rate: Decimal = Decimal("20.00")
    font: Path | None = None
    levels: tuple[int, ...] = DEFAULT_LEVELS
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY
    outbox: Path | None = None
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @classmethod
    def from_file_values(cls, values: dict[str, object]) -> InvoicingSettings:
        invoice = _section(values, "invoice")
        dunning = _section(values, "dunning")
        smtp = _section(values, "smtp")
        levels = dunning.get("levels", list(DEFAULT_LEVELS))
        if (
            not isinstance(levels, list)
            or not levels
            or not all(isinstance(d, int) and 0 <= d <= 3650 for d in levels)
            or len(set(levels)) != len(levels)
        ):
            raise InvoicingConfigError(
                "[dunning] levels must be a list of different whole days after due, e.g. [7, 21, 35]."
            )
        security = str(smtp.get("security", "starttls")).lower()
        if security not in SECURITY_MODES:
            raise InvoicingConfigError("[smtp] security must be none, starttls or tls.")
        return cls(
            seller=str(invoice.get("seller", cls.seller)),
            seller_address=str(invoice.get("seller_address", "")),
            seller_vat_id=str(invoice.get("seller_vat_id", "")),
            seller_email=str(invoice.get("seller_email", "")),
            tax_rate=_rate(invoice.get("tax_rate", "20")),
            font=Path(str(invoice["font"])).expanduser() if invoice.get("font") else None,
            levels=tuple(sorted(levels)),
            subject=str(dunning.get("subject", DEFAULT_SUBJECT)),
            body=str(dunning.get("body", DEFAULT_BODY)),
            outbox=Path(str(dunning["outbox"])).expanduser() if dunning.get("outbox") else None,
            smtp=SmtpSettings(
                host=str(smtp.get("host", "")),
                port=_port(smtp.get("port", 465 if security == "tls" else 587)),
                security=security,
                user=str(smtp.get("user", "")),
                sender=str(smtp.get("from", invoice.get("seller_email", ""))),
                ca_file=Path(str(smtp["ca_file"])).expanduser() if smtp.get("ca_file") else None,
            ),
        )


def _section(values: dict[str, object], name: str) -> dict[str, object]:
    section = values.get(name, {})
    if not isinstance(section, dict):
        raise InvoicingConfigError(f"[{name}] in config.toml must be a table of settings.")
    return section


def _rate(raw: object) -> Decimal:
    try:
        rate = Decimal(str(raw))
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise InvoicingConfigError("[invoice] tax_rate must be a percentage from 0 to 100.")
    return rate.quantize(Decimal("0.01"))


def _port(raw: object) -> int:
    if not isinstance(raw, int) or not 0 < raw < 65536:
        raise InvoicingConfigError("[smtp] port must be a whole number from 1 to 65535.")
    return raw
