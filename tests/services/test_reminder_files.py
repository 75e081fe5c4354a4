"""The reminder run's faster writers give the bytes the slower ones gave.

The PDF of a Helvetica-only invoice is written around fpdf2's page contents
by pdf_core (fpdf2's own `output()` is compared here, page by page); an .eml
file is the message's `as_bytes()` with short ASCII headers not folded
through the email package's Header class (compared on real reminders).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.invoices.mailer import eml_bytes, reminder_message
from crm_tui.services.invoices.pdf_core import core_output
from crm_tui.services.invoices.pdf_pages import laid_out
from crm_tui.services.registry import Services


def issued(services: Services, first: str, lines: list[LineInput], notes: str = "") -> int:
    cid = services.customers.create(
        CustomerCreate(first_name=first, last_name="Øster (gård)", email=f"{first}@example.com")
    ).id
    draft = services.invoices.create_draft(cid, lines, notes=notes or None)
    return services.invoices.issue(draft.id, on=date.today() - timedelta(days=60)).id


def pages(pdf: bytes) -> tuple[list[bytes], list[str], str | None]:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    return (
        [page.get_contents().get_data() for page in reader.pages],  # type: ignore[union-attr]
        [page.extract_text() for page in reader.pages],
        reader.metadata.title,
    )


def test_core_pdf_file_matches_fpdfs(services: Services) -> None:
    """Two pages, a wrapped line, brackets and a backslash, notes: the same operators, text
    and title in the file pdf_core writes as in the one fpdf2 writes."""
    lines = [LineInput(f"Item (n\\{n})", "1.00") for n in range(59)]
    lines.insert(30, LineInput("A description long enough to wrap " * 4 + "END", "2.00"))
    invoice = issued(services, "Zoë", lines, notes="Pay by transfer (ref. below).")
    doc = services.invoices.document(invoice)
    pdf, title, created = laid_out(doc, services.ctx.invoicing, None)
    ours = pages(core_output(pdf, title, created))
    theirs = pages(bytes(pdf.output()))
    assert len(ours[0]) == 2
    assert ours == theirs
    assert "Item (n\\7)" in ours[1][0] and "Pay by transfer (ref. below)." in ours[1][1]


def test_eml_bytes_are_as_bytes(services: Services) -> None:
    """Reminders with a non-ASCII name and a long subject: eml_bytes gives as_bytes()'s."""
    long_subject = "Reminder ${level_name}: invoice ${number} for ${customer} " + "x" * 60
    settings = services.ctx.invoicing
    for first, subject in (("Zoë", settings.subject), ("Ana", long_subject)):
        invoice = issued(services, first, [LineInput("Work", "45.00")])
        [due] = services.reminders.due(
            customer_id=services.invoices.get(invoice).invoice.customer_id
        )
        doc = services.invoices.document(invoice)
        message = reminder_message(
            due, doc, type(settings)(**{**vars(settings), "subject": subject}), date.today()
        )
        assert eml_bytes(message) == message.as_bytes()
