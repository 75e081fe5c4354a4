"""The pages of an invoice PDF, drawn with fpdf2 (loaded only when a PDF is made)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align
from fpdf.util import escape_parens

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.models.enums import InvoiceKind
from crm_tui.services.invoices.pdf import FAMILY, Buyer, InvoiceDocument, money
from crm_tui.services.invoices.pdf_core import core_output
from crm_tui.services.invoices.reads import status_label
from crm_tui.text import literal


def render(doc: InvoiceDocument, settings: InvoicingSettings, font: Path | None) -> bytes:
    """The PDF's bytes, set in `font` (None: the built-in Helvetica)."""
    pdf, title, created = laid_out(doc, settings, font)
    if pdf.unicode:  # an embedded font subset: fpdf2 writes the file
        return bytes(pdf.output())
    return core_output(pdf, title, created)


def laid_out(
    doc: InvoiceDocument, settings: InvoicingSettings, font: Path | None
) -> tuple[_Pdf, str, datetime]:
    """The document's pages drawn, not yet written: the FPDF, its title and its date."""
    pdf = _Pdf(font)
    invoice = doc.detail.invoice
    day = invoice.issue_date or date.today()
    created = datetime(day.year, day.month, day.day, tzinfo=UTC)
    pdf.set_creation_date(created)
    kind = "Credit note" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Invoice"
    title = f"{kind} {invoice.label}"
    pdf.set_title(title)
    pdf.add_page()
    _header(pdf, doc, settings, kind)
    _lines_table(pdf, doc)
    _totals(pdf, doc)
    if invoice.notes:
        pdf.ln(6)
        pdf.write_text(invoice.notes, size=9)
    return pdf, title, created


class _Pdf(FPDF):
    def __init__(self, font: Path | None) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.unicode = font is not None
        if font is not None:
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            self.add_font(FAMILY, "", font)
            self.add_font(FAMILY, "B", bold if bold.is_file() else font)
        self.family = FAMILY if self.unicode else "helvetica"

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def text(self, x: float, y: float, text: str = "") -> None:
        """fpdf's `text` as this document uses it (fill, no underline, black on black),
        its operator written straight away; in Helvetica only (the TrueType path keeps
        fpdf's, which maps glyphs)."""
        if self.unicode:
            super().text(x, y, text)
            return
        assert self.current_font is not None
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        self._out(
            f"BT {x * self.k:.2f} {(self.h - y) * self.k:.2f} Td ({escape_parens(text)}) Tj ET"
        )

    def put(
        self, w: float, h: float, text: str, *, align: Align = Align.L, next_line: bool = False
    ) -> None:
        """A one-line cell (text as `cell` places it: padded, centred on `h`, breaking the
        page first when it would not fit) written as one text operator: fpdf's `cell` costs
        about ten times as much, and an invoice has fifty of them."""
        if self.y + h > self.page_break_trigger and self.auto_page_break:
            x = self.x
            self.add_page()
            self.x = x
        width = w or (self.w - self.r_margin - self.x)
        if text:
            shift = width - self.c_margin - self.width_of(text)
            left = shift if align == Align.R else self.c_margin
            self.text(self.x + left, self.y + 0.5 * h + 0.3 * self.font_size, text)
        if next_line:
            self.set_xy(self.l_margin, self.y + h)
        else:
            self.x += width

    def width_of(self, text: str) -> float:
        """get_string_width without its bidi and markdown passes (plain text, unshaped)."""
        assert self.current_font is not None
        return float(self.current_font.get_text_width(text, self.font_size_pt, None)[1]) / self.k

    def wrapped(self, text: str, w: float) -> list[str]:
        """`text` in lines that fit a cell `w` wide (0: to the right margin), broken as
        multi_cell breaks them: at spaces, and a word longer than a line at a character."""
        room = (w or (self.w - self.r_margin - self.x)) - 2 * self.c_margin
        lines: list[str] = []
        line = ""
        for word in text.split(" "):
            joined = f"{line} {word}" if line else word
            if self.width_of(joined) <= room:
                line = joined
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and self.width_of(word) > room:
                cut = 1
                while cut < len(word) - 1 and self.width_of(word[: cut + 1]) <= room:
                    cut += 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        return [*lines, line]

    def safe(self, text: str) -> str:
        shown = literal(text, multiline=True)
        return shown if self.unicode else shown.encode("latin-1", "replace").decode("latin-1")

    def write_text(self, text: str, *, size: float, bold: bool = False, width: float = 0) -> None:
        """Lines of text, each broken to fit `width` (0: to the right margin)."""
        self.use(size, bold)
        for line in self.safe(text).split("\n"):
            for part in self.wrapped(line, width):
                self.put(width, 5, part, next_line=True)


def _header(pdf: _Pdf, doc: InvoiceDocument, settings: InvoicingSettings, title: str) -> None:
    invoice = doc.detail.invoice
    top = pdf.get_y()
    pdf.write_text(settings.seller, size=15, bold=True, width=100)
    seller = [settings.seller_address]
    if settings.seller_vat_id:
        seller.append(f"VAT {settings.seller_vat_id}")
    seller.append(settings.seller_email)
    pdf.write_text("\n".join(s for s in seller if s), size=9, width=100)
    below_seller = pdf.get_y()
    pdf.set_xy(125, top)
    pdf.use(15, bold=True)
    pdf.put(0, 8, title, align=Align.R, next_line=True)
    facts = [("Number", invoice.label), ("Issued", _day(invoice.issue_date))]
    if invoice.kind == InvoiceKind.INVOICE:
        facts.append(("Due", _day(invoice.due_date)))
        if invoice.payment_terms:
            facts.append(("Terms", invoice.payment_terms))
    if invoice.period_start and invoice.period_end:
        facts.append(("Period", f"{_day(invoice.period_start)} to {_day(invoice.period_end)}"))
    if doc.credits_number:
        facts.append(("Credits", doc.credits_number))
    facts += [("Currency", invoice.currency), ("Status", status_label(invoice.status))]
    for label, value in facts:
        pdf.set_x(125)
        pdf.use(9)
        pdf.put(25, 5, label)
        pdf.put(0, 5, pdf.safe(value), align=Align.R, next_line=True)
    pdf.set_y(max(pdf.get_y(), below_seller) + 8)
    _buyer(pdf, doc.buyer)


def _buyer(pdf: _Pdf, buyer: Buyer) -> None:
    pdf.write_text("Bill to", size=9, bold=True)
    lines = [f"{buyer.name} ({buyer.number})", *buyer.address]
    if buyer.group:
        lines.append(f"Billing group: {buyer.group}")
    if buyer.vat_id:
        lines.append(f"VAT {buyer.vat_id}")
    if buyer.email:
        lines.append(buyer.email)
    pdf.write_text("\n".join(lines), size=10, width=120)
    pdf.ln(6)


LINE_COLUMNS = ((88, "Description"), (16, "Qty"), (26, "Unit price"), (16, "Tax %"),
                (28, "Amount"))  # fmt: skip


def _lines_table(pdf: _Pdf, doc: InvoiceDocument) -> None:
    """The lines as plain cells (a header ruled off below); a description too long for its
    column wraps, the figures beside its first line."""
    pdf.use(9, bold=True)
    if pdf.get_y() + 6 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    for index, (width, name) in enumerate(LINE_COLUMNS):
        last = index == len(LINE_COLUMNS) - 1
        pdf.put(width, 6, name, align=Align.L if index == 0 else Align.R, next_line=last)
    pdf.line(pdf.l_margin, top + 6, pdf.l_margin + sum(w for w, _ in LINE_COLUMNS), top + 6)
    pdf.use(9)
    for line in doc.detail.lines:
        figures = (f"{line.quantity.normalize():f}", money(line.unit_price),
                   f"{line.tax_rate.normalize():f}", money(line.amount))  # fmt: skip
        description = pdf.safe(line.description)
        width = LINE_COLUMNS[0][0]
        parts = pdf.wrapped(description, width)
        if pdf.get_y() + 5.5 * len(parts) > pdf.page_break_trigger:
            pdf.add_page()  # the line and its figures start on the same page
        top = pdf.get_y()
        for row, part in enumerate(parts):
            pdf.set_xy(pdf.l_margin, top + 5.5 * row)
            pdf.put(width, 5.5, part)
        pdf.set_xy(pdf.l_margin + width, top)
        for (col_width, _name), value in zip(LINE_COLUMNS[1:], figures, strict=True):
            pdf.put(col_width, 5.5, value, align=Align.R)
        pdf.set_xy(pdf.l_margin, top + 5.5 * len(parts))


def _totals(pdf: _Pdf, doc: InvoiceDocument) -> None:
    invoice = doc.detail.invoice
    rows = [("Subtotal", invoice.subtotal), ("Tax", invoice.tax)]
    rows.append((f"Total {invoice.currency}", invoice.total))
    if invoice.kind == InvoiceKind.INVOICE and invoice.settled:
        rows += [("Paid", invoice.settled), (f"Amount due {invoice.currency}", invoice.owed)]
    pdf.ln(3)
    for label, amount in rows:
        pdf.set_x(110)
        pdf.use(10, bold=label.startswith(("Total", "Amount due")))
        pdf.put(52, 6, label)
        pdf.put(30, 6, money(amount), align=Align.R, next_line=True)


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"
