"""The printed form of an invoice: the buyer's details gathered, the PDF written privately."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.models import Address, BillingGroup, Customer, Invoice, format_number
from crm_tui.models.enums import AddressKind
from crm_tui.services.invoices import rows as invoice_rows
from crm_tui.services.invoices.pdf import Buyer, InvoiceDocument, render_pdf
from crm_tui.services.private_files import private_output


def document(session: Session, invoice: Invoice) -> InvoiceDocument:
    customer = session.get(Customer, invoice.customer_id)
    assert customer is not None
    group = (
        session.get(BillingGroup, invoice.billing_group_id) if invoice.billing_group_id else None
    )
    credited = (
        session.get(Invoice, invoice.credits_invoice_id) if invoice.credits_invoice_id else None
    )
    return InvoiceDocument(
        detail=invoice_rows.detail(session, invoice),
        buyer=Buyer(
            name=invoice_rows.customer_name(customer),
            number=format_number(customer.id or 0),
            vat_id=customer.vat_id,
            email=customer.email,
            address=billing_address(session, customer.id or 0),
            group=group.name if group else None,
        ),
        credits_number=credited.number if credited else None,
    )


def billing_address(session: Session, customer_id: int) -> tuple[str, ...]:
    """The default billing address (else the first billing one) as printed lines."""
    address = session.scalars(
        select(Address)
        .where(col(Address.customer_id) == customer_id, col(Address.kind) == AddressKind.BILLING)
        .order_by(col(Address.is_default_billing).desc(), col(Address.id))
        .limit(1)
    ).first()
    if address is None:
        return ()
    town = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = (address.line1, address.line2, town, address.region, address.country)
    return tuple(p for p in parts if p)


def write_pdf(
    doc: InvoiceDocument, settings: InvoicingSettings, target: Path, *, overwrite: bool
) -> Path:
    """Render and write the PDF 0600 through a temp file renamed into place."""
    data = render_pdf(doc, settings)
    with private_output(target, overwrite=overwrite) as partial:
        partial.write_bytes(data)
    return target


def default_pdf_name(doc: InvoiceDocument) -> str:
    return f"{doc.detail.invoice.label.replace(' ', '-').replace('#', '')}.pdf"
