"""Reminders through a real aiosmtpd server on loopback over STARTTLS and over TLS.

The test makes its own self-signed certificate (openssl, for 127.0.0.1) and
points `[smtp] ca_file` at it; the server asks for a login, which only works
once the connection is encrypted, with the password from
CRM_SMTP_PASSWORD. A server whose certificate is not trusted is refused
before anything is claimed, so nothing is recorded as sent.
"""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crm_tui.config_invoicing import ENV_SMTP_PASSWORD, InvoicingSettings, SmtpSettings
from crm_tui.services.registry import Services
from tests.services.test_reminders import TODAY, Inbox, free_port, overdue, pdf_text

USER, PASSWORD = "accounts", "s3cret-for-the-test"
# aiosmtpd warns about the implicit-TLS server's setting below; the connection is TLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    """The test server's one account."""
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


Serve = Callable[[str, Path | None], Inbox]


@pytest.fixture
def serve(
    services: Services, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Serve]:
    """Start a server speaking `security` ("starttls" or "tls"); point the services at it."""
    monkeypatch.setenv(ENV_SMTP_PASSWORD, PASSWORD)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(*certificate)
    controllers: list[Controller] = []

    def start(security: str, ca_file: Path | None) -> Inbox:
        inbox, port = Inbox(), free_port()
        common: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
        auth: dict[str, Any] = {"authenticator": check_login, "auth_required": True}
        if security == "tls":
            # The whole connection is TLS; aiosmtpd only knows of TLS it started itself
            # (STARTTLS), so it is told not to ask for it again before a login.
            controller = Controller(
                inbox, ssl_context=server_tls, auth_require_tls=False, **common, **auth
            )
        else:
            controller = Controller(
                inbox, tls_context=server_tls, require_starttls=True, **common, **auth
            )
        controller.start()
        controllers.append(controller)
        smtp = SmtpSettings(
            host="127.0.0.1", port=port, security=security, user=USER,
            sender="ar@northwind.example", ca_file=ca_file,
        )  # fmt: skip
        settings = InvoicingSettings(seller="Northwind Ltd", smtp=smtp)
        object.__setattr__(services, "ctx", replace(services.ctx, invoicing=settings))
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_reminder_over_an_encrypted_connection(
    services: Services, serve: Serve, certificate: tuple[Path, Path], security: str
) -> None:
    """Logged in over STARTTLS or TLS, the reminder arrives with its PDF."""
    inbox = serve(security, certificate[0])
    overdue(services, "late@example.com", 25, price="80.00")
    run = services.reminders.send(today=TODAY)
    assert (run.channel, run.failure) == ("smtp", None)
    assert run.sent == [("INV-2026-000001", 2, "late@example.com")]
    [message] = inbox.messages
    assert message["To"] == "late@example.com"
    assert message["Subject"] == "Second reminder: invoice INV-2026-000001 is 25 days overdue"
    text = pdf_text(message)
    assert "INV-2026-000001" in text and "80.00" in text


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_untrusted_certificate_sends_nothing(
    services: Services, serve: Serve, security: str
) -> None:
    """Without the CA the certificate fails the check: one sentence, nothing sent or claimed."""
    inbox = serve(security, None)
    overdue(services, "late@example.com", 10)
    run = services.reminders.send(today=TODAY)
    assert run.sent == [] and inbox.messages == []
    assert run.failure is not None and run.failure.startswith("The mail server 127.0.0.1:")
    assert "CERTIFICATE_VERIFY_FAILED" in run.failure
    assert services.reminders.due(today=TODAY)[0].level == 1  # still due: nothing claimed


def test_wrong_password_sends_nothing(
    services: Services,
    serve: Serve,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server refuses the login: the run says so and the reminder stays due."""
    inbox = serve("starttls", certificate[0])
    monkeypatch.setenv(ENV_SMTP_PASSWORD, "not-the-password")
    overdue(services, "late@example.com", 10)
    run = services.reminders.send(today=TODAY)
    assert run.sent == [] and inbox.messages == [] and run.failure is not None
    assert "535" in run.failure
    assert len(services.reminders.send(today=TODAY, dry_run=True).sent) == 1
