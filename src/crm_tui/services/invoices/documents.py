"""The printed form of an invoice: the buyer's details gathered, the PDF written privately."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.models import (
    Address,
    BillingGroup,
    Customer,
    Invoice,
    InvoiceLine,
    format_number,
)
from crm_tui.models.enums import AddressKind
from crm_tui.services.invoices import rows as invoice_rows
from crm_tui.services.invoices.pdf import Buyer, InvoiceDocument, render_pdf
from crm_tui.services.invoices.reads import InvoiceDetail, invoice_read, line_read
from crm_tui.services.private_files import private_output

_Row = TypeVar("_Row", Customer, BillingGroup, Invoice)


def document(session: Session, invoice: Invoice) -> InvoiceDocument:
    return documents(session, [invoice.id or 0])[invoice.id or 0]


def documents(session: Session, invoice_ids: Sequence[int]) -> dict[int, InvoiceDocument]:
    """The printed form of these invoices, by id, read in a handful of queries whatever
    their number (a reminder run prints thousands)."""
    invoices = list(session.scalars(select(Invoice).where(col(Invoice.id).in_(invoice_ids))))
    customers = _by_id(session, Customer, {i.customer_id for i in invoices})
    groups = _by_id(session, BillingGroup, {i.billing_group_id for i in invoices})
    credited = _by_id(session, Invoice, {i.credits_invoice_id for i in invoices})
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in session.scalars(
        select(InvoiceLine)
        .where(col(InvoiceLine.invoice_id).in_(invoice_ids))
        .order_by(col(InvoiceLine.invoice_id), col(InvoiceLine.position), col(InvoiceLine.id))
    ):
        lines[line.invoice_id].append(line)
    addresses = billing_addresses(session, list(customers))
    found = {}
    for invoice in invoices:
        customer = customers[invoice.customer_id]
        group = groups.get(invoice.billing_group_id or 0)
        credited_invoice = credited.get(invoice.credits_invoice_id or 0)
        name = invoice_rows.customer_name(customer)
        found[invoice.id or 0] = InvoiceDocument(
            detail=InvoiceDetail(
                invoice=invoice_read(invoice, name),
                lines=tuple(line_read(line) for line in lines[invoice.id or 0]),
            ),
            buyer=Buyer(
                name=name,
                number=format_number(customer.id or 0),
                vat_id=customer.vat_id,
                email=customer.email,
                address=addresses.get(customer.id or 0, ()),
                group=group.name if group else None,
            ),
            credits_number=credited_invoice.number if credited_invoice else None,
        )
    return found


def _by_id(session: Session, model: type[_Row], ids: set[int | None]) -> dict[int, _Row]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.scalars(select(model).where(col(model.id).in_(wanted)))
    return {row.id or 0: row for row in rows}


def billing_address(session: Session, customer_id: int) -> tuple[str, ...]:
    """The default billing address (else the first billing one) as printed lines."""
    return billing_addresses(session, [customer_id]).get(customer_id, ())


def billing_addresses(session: Session, customer_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each customer's default billing address (else its first billing one), as printed."""
    ranked = (
        select(
            col(Address.id),
            func.row_number()
            .over(
                partition_by=col(Address.customer_id),
                order_by=(col(Address.is_default_billing).desc(), col(Address.id)),
            )
            .label("rank"),
        )
        .where(col(Address.customer_id).in_(customer_ids), col(Address.kind) == AddressKind.BILLING)
        .subquery()
    )
    found = {}
    for address in session.scalars(
        select(Address).join(ranked, ranked.c.id == col(Address.id)).where(ranked.c.rank == 1)
    ):
        town = " ".join(p for p in (address.postal_code, address.city) if p)
        parts = (address.line1, address.line2, town, address.region, address.country)
        found[address.customer_id] = tuple(p for p in parts if p)
    return found


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
