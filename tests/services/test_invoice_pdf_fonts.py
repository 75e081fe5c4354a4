"""Which font an invoice PDF is set in: Helvetica when all its text is Latin-1 (fast, no font
file), a TrueType font when a name needs another script; the text is extractable either way."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.invoices.pdf import FONT_PLACES, render_pdf
from crm_tui.services.registry import Services


def pdf_of(services: Services, first: str, last: str) -> bytes:
    cid = services.customers.create(
        CustomerCreate(first_name=first, last_name=last, email="pdf@example.com")
    ).id
    draft = services.invoices.create_draft(cid, [LineInput("Réparation", "45.00")])
    issued = services.invoices.issue(draft.id)
    return render_pdf(services.invoices.document(issued.id), services.ctx.invoicing)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_latin1_invoice_uses_helvetica(services: Services) -> None:
    """Accented Latin-1 names and lines print in the built-in Helvetica, no font embedded."""
    pdf = pdf_of(services, "Zoë", "Østergård")
    assert b"/Helvetica" in pdf and b"/FontFile2" not in pdf
    text = text_of(pdf)
    assert "Zoë Østergård" in text and "Réparation" in text and "45.00" in text


def test_other_scripts_use_a_truetype_font(services: Services) -> None:
    """A Cyrillic name makes the PDF embed a TrueType font and prints the name as itself."""
    if not any(place.is_file() for place in FONT_PLACES):
        pytest.skip("no DejaVu Sans on this machine (config `font` names one)")
    pdf = pdf_of(services, "Иван", "Петров")
    assert b"/FontFile2" in pdf
    assert "Иван Петров" in text_of(pdf)


def test_many_lines_run_onto_a_second_page(services: Services) -> None:
    """Sixty lines, one too long for its column: two pages, every line and the total printed."""
    cid = services.customers.create(CustomerCreate(first_name="Long", email="l@example.com")).id
    lines = [LineInput(f"Item number {n}", "1.00") for n in range(59)]
    lines.insert(30, LineInput("A description long enough to wrap " * 4 + "END", "2.00"))
    draft = services.invoices.create_draft(cid, lines)
    issued = services.invoices.issue(draft.id)
    pdf = render_pdf(services.invoices.document(issued.id), services.ctx.invoicing)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    assert all(f"Item number {n}" in text for n in range(59)) and "END" in text
    assert "61.00" in text  # 59 x 1.00 + 2.00
