"""Drafting, issuing, voiding and crediting invoices; each action one transaction.

A draft can be changed and deleted. Issuing gives it its number, its dates
and the customer-visible notes printed on it, and from then on it is never
edited: a mistake is corrected by a credit note (a negative invoice that
refers to it), and an invoice nobody has paid can be voided. Every change is
written to the customer's history.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Invoice, Order, OrderItem
from crm_tui.models.enums import (
    OPEN_INVOICE_STATUSES,
    InvoiceKind,
    InvoiceStatus,
    OrderStatus,
)
from crm_tui.models.types import utcnow
from crm_tui.services.billing import balances as owing
from crm_tui.services.billing import settlement, summary
from crm_tui.services.common import display_name
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows as rows
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.invoices import documents, issuing
from crm_tui.services.invoices import rows as invoice_rows
from crm_tui.services.invoices.lines import (
    LineInput,
    clean_line,
    negated,
    priced,
    totals,
)
from crm_tui.services.invoices.pdf import InvoiceDocument
from crm_tui.services.invoices.reads import (
    InvoiceDetail,
    InvoiceRead,
    invoice_read,
)
from crm_tui.services.validation import clean_text, parse_currency, text_key


class InvoiceService:
    """Invoices and credit notes of every customer."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading ---------------------------------------------------------------

    def get(self, ref: int | str) -> InvoiceDetail:
        """One invoice by id or number (INV-2026-000123), with its lines."""
        with self.ctx.read() as session:
            invoice = invoice_rows.find(session, ref)
            return invoice_rows.detail(session, invoice)

    def document(self, ref: int | str) -> InvoiceDocument:
        """What is printed on the invoice: lines, figures and the buyer's details."""
        with self.ctx.read() as session:
            return documents.document(session, invoice_rows.find(session, ref))

    def pdf(self, ref: int | str, target: Path, *, overwrite: bool = False) -> Path:
        """Write the invoice's PDF (0600, atomically) to `target`."""
        doc = self.document(ref)
        return documents.write_pdf(doc, self.ctx.invoicing, target, overwrite=overwrite)

    def list(
        self,
        *,
        customer_id: int | None = None,
        status: str | None = None,
        overdue_on: date | None = None,
        name_contains: str | None = None,
        limit: int = 500,
    ) -> builtins.list[InvoiceRead]:
        """Newest first; `overdue_on` keeps issued invoices unpaid after their due date
        (oldest due first); `name_contains` matches the customer's name, any case."""
        query = select(Invoice, *invoice_rows.NAME_COLUMNS).join(
            Customer, col(Customer.id) == col(Invoice.customer_id)
        )
        if customer_id is not None:
            query = query.where(col(Invoice.customer_id) == customer_id)
        if status is not None:
            query = query.where(col(Invoice.status) == status)
        if name_contains and name_contains.strip():
            query = query.where(
                col(Customer.sort_name).contains(text_key(name_contains.strip()), autoescape=True)
            )
        if overdue_on is not None:
            query = query.where(
                col(Invoice.kind) == InvoiceKind.INVOICE,
                col(Invoice.status).in_(OPEN_INVOICE_STATUSES),
                col(Invoice.due_date) < overdue_on,
            )
            query = query.order_by(col(Invoice.due_date), col(Invoice.id))
        else:
            query = query.order_by(
                col(Invoice.issue_date).desc().nulls_first(), col(Invoice.id).desc()
            )
        with self.ctx.read() as session:
            return [
                invoice_read(row[0], display_name(*row[1:]))
                for row in session.execute(query.limit(limit)).all()
            ]

    def balances(self, customer_id: int) -> builtins.list[owing.CurrencyBalance]:
        """What the customer owes and holds as credit, per currency."""
        with self.ctx.read() as session:
            return owing.balances(session, customer_id)

    # --- drafts ---------------------------------------------------------------------

    def create_draft(
        self,
        customer_id: int,
        lines: Sequence[LineInput] = (),
        *,
        currency: str | None = None,
        notes: str | None = None,
    ) -> InvoiceRead:
        """A draft in the customer's currency (GBP when they have none)."""
        values = [clean_line(line) for line in lines]
        typed_notes = clean_text("notes", notes, max_len=4000) or ""
        with self.ctx.write() as session:
            customer = rows.live_customer(session, customer_id)
            chosen = parse_currency(currency) or customer.currency or "GBP"
            invoice = Invoice(customer_id=customer_id, currency=chosen, notes=typed_notes)
            session.add(invoice)
            rows.record_create(
                session, invoice, "invoice", self.ctx.actor,
                {"status": invoice.status, "currency": chosen, "notes": typed_notes},
            )  # fmt: skip
            invoice_rows.add_lines(session, invoice, [(v, {}) for v in values], self.ctx.actor)
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    def add_lines(self, invoice_id: int, lines: Sequence[LineInput]) -> InvoiceRead:
        values = [clean_line(line) for line in lines]
        if not values:
            raise ValidationError("lines", "Give at least one line to add.")
        with self.ctx.write() as session:
            invoice = invoice_rows.draft(session, invoice_id)
            customer = rows.live_customer(session, invoice.customer_id)
            invoice_rows.add_lines(session, invoice, [(v, {}) for v in values], self.ctx.actor)
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    def remove_line(self, invoice_id: int, line_id: int) -> InvoiceRead:
        with self.ctx.write() as session:
            invoice = invoice_rows.draft(session, invoice_id)
            customer = rows.live_customer(session, invoice.customer_id)
            invoice_rows.remove_line(session, invoice, line_id, self.ctx.actor)
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    def delete_draft(self, invoice_id: int) -> None:
        """Drop a draft (it never had a number, so no number is lost)."""
        with self.ctx.write() as session:
            invoice = invoice_rows.draft(session, invoice_id)
            rows.live_customer(session, invoice.customer_id)
            rows.record_delete(session, invoice, "invoice", self.ctx.actor, f"draft #{invoice.id}")

    def invoice_order(
        self, order_id: int, *, tax_rate: Decimal = Decimal("0.00"), issue_on: date | None = None
    ) -> InvoiceRead:
        """A draft billing each item of an order once; refused if an item is billed already.
        With `issue_on` it is issued on that day in the same transaction."""
        with self.ctx.write() as session:
            order = session.get(Order, order_id)
            if order is None:
                raise NotFound(f"There is no order {order_id}.")
            if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
                raise ValidationError("order", f"A {order.status} order is not invoiced.")
            customer = rows.live_customer(session, order.customer_id)
            items = session.scalars(
                select(OrderItem)
                .where(col(OrderItem.order_id) == order_id)
                .order_by(col(OrderItem.id))
            ).all()
            invoice = Invoice(customer_id=order.customer_id, currency=order.currency)
            session.add(invoice)
            rows.record_create(
                session, invoice, "invoice", self.ctx.actor,
                {"status": invoice.status, "currency": order.currency, "order": order_id},
            )  # fmt: skip
            lines = [
                (
                    priced(item.description, Decimal(item.quantity), item.unit_price, tax_rate),
                    {"order_item_id": item.id, "claims": True},
                )
                for item in items
            ]
            issuing.claim_or_refuse(
                session, lambda: invoice_rows.add_lines(session, invoice, lines, self.ctx.actor),
                "An item of this order is already on another invoice.",
            )  # fmt: skip
            if issue_on is not None:
                self._issue(session, invoice, customer, issue_on)
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    # --- issuing, voiding, crediting --------------------------------------------

    def issue(self, invoice_id: int, *, on: date | None = None) -> InvoiceRead:
        """Number the draft, date it, print the customer's visible notes on it."""
        with self.ctx.write() as session:
            invoice = invoice_rows.draft(session, invoice_id)
            customer = rows.live_customer(session, invoice.customer_id)
            self._issue(session, invoice, customer, on or date.today())
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    def _issue(self, session: Session, invoice: Invoice, customer: Customer, on: date) -> None:
        if invoice.total <= 0:
            raise ValidationError("lines", "An invoice needs at least one line with an amount.")
        issuing.issue_rows(session, [(invoice, customer)], on, self.ctx.actor)
        settlement.settle(session, invoice.customer_id, self.ctx.actor)
        summary.refresh(session, invoice.customer_id)

    def void(self, invoice_id: int) -> InvoiceRead:
        """Cancel an issued invoice nothing has been paid against; its number stays used."""
        with self.ctx.write() as session:
            invoice = invoice_rows.locked(session, invoice_id)
            customer = rows.live_customer(session, invoice.customer_id)
            if invoice.status == InvoiceStatus.VOID:
                raise ValidationError("status", f"{invoice.number} is already void.")
            if invoice.status == InvoiceStatus.DRAFT:
                raise ValidationError("status", "A draft is deleted, not voided.")
            if invoice.kind == InvoiceKind.CREDIT_NOTE:
                raise ValidationError("status", "A credit note cannot be voided once issued.")
            if invoice.settled != 0:
                raise ValidationError(
                    "status",
                    f"{invoice.number} has payments or credits set against it; "
                    "issue a credit note instead.",
                )
            rows.apply_changes(
                session, invoice, {"status": InvoiceStatus.VOID.value, "voided_at": utcnow()},
                entity="invoice", actor=self.ctx.actor, expected_version=None,
            )  # fmt: skip
            issuing.release_claims(session, invoice_id)
            summary.refresh(session, invoice.customer_id)
            return invoice_read(invoice, invoice_rows.customer_name(customer))

    def credit_note(
        self,
        invoice_id: int,
        lines: Sequence[LineInput] = (),
        *,
        on: date | None = None,
        notes: str | None = None,
    ) -> InvoiceRead:
        """Issue a credit note for the invoice: all of it, or the typed lines."""
        typed = [clean_line(line) for line in lines]
        reason = clean_text("notes", notes, max_len=4000) or ""
        with self.ctx.write() as session:
            original = invoice_rows.locked(session, invoice_id)
            customer = rows.live_customer(session, original.customer_id)
            if original.kind != InvoiceKind.INVOICE or original.status in (
                InvoiceStatus.DRAFT, InvoiceStatus.VOID,
            ):  # fmt: skip
                raise ValidationError(
                    "invoice", "Only an issued invoice (not void, not a credit note) is credited."
                )
            values = typed or [
                invoice_rows.line_values(line)
                for line in invoice_rows.lines_of(session, invoice_id)
            ]
            credit = totals(values).total
            already = invoice_rows.credited(session, invoice_id)
            if credit + already > original.total:
                raise ValidationError(
                    "lines",
                    f"The credit ({credit:.2f}) and earlier credit notes ({already:.2f}) come to "
                    f"more than {original.number}'s total of {original.total:.2f}.",
                )
            note = Invoice(
                customer_id=original.customer_id,
                billing_group_id=original.billing_group_id,
                kind=InvoiceKind.CREDIT_NOTE.value,
                credits_invoice_id=original.id,
                currency=original.currency,
                notes=reason or f"Credit note for {original.number}.",
            )
            session.add(note)
            rows.record_create(
                session, note, "invoice", self.ctx.actor,
                {"kind": note.kind, "credits": original.number, "currency": note.currency},
            )  # fmt: skip
            invoice_rows.add_lines(
                session, note, [(negated(v), {}) for v in values], self.ctx.actor
            )
            issuing.issue_rows(session, [(note, customer)], on or date.today(), self.ctx.actor)
            settlement.settle(session, original.customer_id, self.ctx.actor, first_id=original.id)
            summary.refresh(session, original.customer_id)
            return invoice_read(note, invoice_rows.customer_name(customer))
