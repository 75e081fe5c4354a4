"""Reading and writing one invoice's rows inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Invoice, InvoiceLine
from crm_tui.models.enums import InvoiceStatus
from crm_tui.services import history
from crm_tui.services.common import display_name
from crm_tui.services.customers import child_rows as rows
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.invoices.lines import MAX_LINES, LineValues, totals
from crm_tui.services.invoices.numbers import PREFIX
from crm_tui.services.invoices.reads import InvoiceDetail, invoice_read, line_read

NEVER_EDITED = "An issued invoice is never edited; issue a credit note to correct it."

NAME_COLUMNS = (
    col(Customer.kind),
    col(Customer.first_name),
    col(Customer.last_name),
    col(Customer.company_name),
)


def customer_name(customer: Customer) -> str:
    return display_name(
        customer.kind, customer.first_name, customer.last_name, customer.company_name
    )


def find(session: Session, ref: int | str) -> Invoice:
    """An invoice by id or by number; NotFound names what was asked for."""
    text = str(ref).strip()
    if text.upper().startswith(f"{PREFIX}-"):
        invoice = session.scalars(
            select(Invoice).where(col(Invoice.number) == text.upper())
        ).first()
    elif text.isdigit() and len(text) < 10:
        invoice = session.get(Invoice, int(text))
    else:
        invoice = None
    if invoice is None:
        raise NotFound(f"There is no invoice {text}.")
    return invoice


def detail(session: Session, invoice: Invoice) -> InvoiceDetail:
    customer = session.get(Customer, invoice.customer_id)
    assert customer is not None
    return InvoiceDetail(
        invoice=invoice_read(invoice, customer_name(customer)),
        lines=tuple(line_read(line) for line in lines_of(session, invoice.id or 0)),
    )


def lines_of(session: Session, invoice_id: int) -> list[InvoiceLine]:
    return list(
        session.scalars(
            select(InvoiceLine)
            .where(col(InvoiceLine.invoice_id) == invoice_id)
            .order_by(col(InvoiceLine.position), col(InvoiceLine.id))
        )
    )


def line_values(line: InvoiceLine) -> LineValues:
    return LineValues(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        amount=line.amount,
        tax=line.tax,
    )


def credited(session: Session, invoice_id: int) -> Decimal:
    """What earlier issued credit notes already took off this invoice (a positive amount)."""
    total = session.scalar(
        select(func.coalesce(func.sum(col(Invoice.total)), 0)).where(
            col(Invoice.credits_invoice_id) == invoice_id,
            col(Invoice.status) != InvoiceStatus.VOID,
        )
    )
    return -Decimal(str(total or 0)).quantize(Decimal("0.01"))


def locked(session: Session, invoice_id: int) -> Invoice:
    return rows.load_child(session, Invoice, invoice_id)


def draft(session: Session, invoice_id: int) -> Invoice:
    invoice = locked(session, invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError("invoice", NEVER_EDITED)
    return invoice


def add_lines(
    session: Session,
    invoice: Invoice,
    lines: Sequence[tuple[LineValues, Mapping[str, object]]],
    actor: str,
) -> None:
    """Append lines (with their source links) and recompute the totals."""
    session.flush()
    assert invoice.id is not None
    count = (
        session.scalar(select(func.count()).where(col(InvoiceLine.invoice_id) == invoice.id)) or 0
    )
    if count + len(lines) > MAX_LINES:
        raise ValidationError("lines", f"An invoice has at most {MAX_LINES} lines.")
    for position, (values, links) in enumerate(lines, start=count + 1):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                description=values.description,
                quantity=values.quantity,
                unit_price=values.unit_price,
                tax_rate=values.tax_rate,
                amount=values.amount,
                tax=values.tax,
                **links,  # type: ignore[arg-type]
            )
        )
    session.flush()
    if lines:
        retotal(session, invoice, actor)


def retotal(session: Session, invoice: Invoice, actor: str) -> None:
    found = totals(line_values(line) for line in lines_of(session, invoice.id or 0))
    changes: dict[str, object] = {
        "subtotal": found.subtotal, "tax": found.tax, "total": found.total,
    }  # fmt: skip
    rows.apply_changes(
        session, invoice, changes, entity="invoice", actor=actor, expected_version=None
    )


def remove_line(session: Session, invoice: Invoice, line_id: int, actor: str) -> None:
    line = session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id:
        raise NotFound("That invoice line no longer exists.")
    history.record(
        session, actor=actor, customer_id=invoice.customer_id, entity="invoice_line",
        entity_id=line_id, action="delete", changes={"description": (line.description, None)},
    )  # fmt: skip
    session.delete(line)
    session.flush()
    retotal(session, invoice, actor)
