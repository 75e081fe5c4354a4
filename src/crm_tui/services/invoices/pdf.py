"""An invoice as a clean A4 PDF (fpdf2), text extractable.

Seller details come from config, the buyer's from the customer: name, VAT
number, default billing address. Stored text is printed through `literal()`,
so control and bidi characters show as escapes rather than reordering lines.
A document whose text is all Latin-1 is set in the PDF's built-in Helvetica
(no font file to parse and subset: a few milliseconds a page, which a run of
50,000 reminders needs); any other script is set in a TrueType font (config
`font`, else DejaVu Sans where the system has it), and without one the
characters outside Latin-1 become "?".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.services.invoices.reads import InvoiceDetail
from crm_tui.text import literal

FONT_PLACES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
FAMILY = "invoice"


@dataclass(frozen=True)
class Buyer:
    """Who the invoice is addressed to."""

    name: str
    number: str
    vat_id: str | None
    email: str | None
    address: tuple[str, ...]
    group: str | None


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed on one invoice."""

    detail: InvoiceDetail
    buyer: Buyer
    credits_number: str | None


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def render_pdf(doc: InvoiceDocument, settings: InvoicingSettings) -> bytes:
    # fpdf2 (with fontTools and Pillow) loads here, on the first PDF: about a tenth of the
    # app's start-up imports, which every screen and command paid before.
    from crm_tui.services.invoices import pdf_pages

    return pdf_pages.render(doc, settings, _font_for(doc, settings))


def _needs_unicode(doc: InvoiceDocument, settings: InvoicingSettings) -> bool:
    """True when some text printed on the document is not Latin-1 (Helvetica's range)."""
    invoice, buyer = doc.detail.invoice, doc.buyer
    texts = [
        settings.seller, settings.seller_address, settings.seller_vat_id, settings.seller_email,
        invoice.notes, invoice.payment_terms or "", buyer.name, buyer.vat_id or "",
        buyer.email or "", buyer.group or "", *buyer.address,
        *(line.description for line in doc.detail.lines),
    ]  # fmt: skip
    try:
        "\n".join(literal(t, multiline=True) for t in texts).encode("latin-1")
    except UnicodeEncodeError:
        return True
    return False


def _font_for(doc: InvoiceDocument, settings: InvoicingSettings) -> Path | None:
    """The TrueType font the document needs, or None: Helvetica prints all of it."""
    if not _needs_unicode(doc, settings):
        return None
    configured = settings.font if settings.font is not None and settings.font.is_file() else None
    return configured or next((p for p in FONT_PLACES if p.is_file()), None)
