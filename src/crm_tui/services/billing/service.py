"""Subscriptions, orders, payments and vaulted payment methods.

Every write here refreshes the customer's summary in the same transaction, so
the figures the list sorts by never drift from the money rows.
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlmodel import col

from crm_tui.models import (
    Invoice,
    InvoiceLine,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Subscription,
)
from crm_tui.models.enums import OrderStatus, PaymentStatus, SubscriptionStatus
from crm_tui.services.billing import cards, order_status, settlement, summary
from crm_tui.services.billing.inputs import (
    OrderCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from crm_tui.services.billing.reads import (
    OrderItemRead,
    OrderRead,
    PaymentMethodRead,
    PaymentRead,
    RecordedPayment,
    SubscriptionRead,
)
from crm_tui.services.billing.rules import (
    check_contract_dates,
    clean_method,
    clean_order_item,
    clean_payment,
    clean_subscription,
    parse_when,
)
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import child_rows
from crm_tui.services.customers.child_rows import read_of
from crm_tui.services.errors import ValidationError
from crm_tui.services.history_names import card_label
from crm_tui.services.money import recompute
from crm_tui.services.validation import MAX_AMOUNT, parse_choice, parse_currency


def payments_of(
    customer_id: int, *, status: str | None = None, limit: int = 1000
) -> Select[Payment]:
    """A customer's payments, newest first (also `crm show`'s recent payments)."""
    query = select(Payment).where(col(Payment.customer_id) == customer_id)
    if status:
        query = query.where(col(Payment.status) == status)
    return query.order_by(col(Payment.paid_at).desc(), col(Payment.id).desc()).limit(limit)


class BillingService:
    """Money rows of one customer."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- subscriptions -------------------------------------------------------

    def subscriptions(self, customer_id: int) -> list[SubscriptionRead]:
        with self.ctx.read() as session:
            rows = session.scalars(
                select(Subscription)
                .where(col(Subscription.customer_id) == customer_id)
                .order_by(col(Subscription.status), col(Subscription.start_date).desc())
            )
            return [read_of(SubscriptionRead, row) for row in rows]

    def add_subscription(self, customer_id: int, data: SubscriptionCreate) -> SubscriptionRead:
        values = clean_subscription({"currency": "GBP", "status": "active", **data.given()})
        check_contract_dates(values["start_date"], values.get("contract_end"))
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            sub = Subscription(customer_id=customer_id, **values)
            session.add(sub)
            child_rows.record_create(session, sub, "subscription", self.ctx.actor, values)
            summary.refresh(session, customer_id)
            return read_of(SubscriptionRead, sub)

    def update_subscription(
        self,
        subscription_id: int,
        changes: SubscriptionUpdate,
        *,
        expected_version: int | None = None,
    ) -> SubscriptionRead:
        cleaned = clean_subscription(changes.given(), partial=True)
        with self.ctx.write() as session:
            sub = child_rows.load_child(session, Subscription, subscription_id)
            child_rows.live_customer(session, sub.customer_id)
            check_contract_dates(
                cleaned.get("start_date", sub.start_date),
                cleaned.get("contract_end", sub.contract_end),
            )
            child_rows.apply_changes(
                session,
                sub,
                cleaned,
                entity="subscription",
                actor=self.ctx.actor,
                expected_version=expected_version,
            )
            summary.refresh(session, sub.customer_id)
            return read_of(SubscriptionRead, sub)

    def end_subscription(self, subscription_id: int, on: date | None = None) -> SubscriptionRead:
        end = on or date.today()
        with self.ctx.write() as session:
            sub = child_rows.load_child(session, Subscription, subscription_id)
            child_rows.live_customer(session, sub.customer_id)
            if sub.status == SubscriptionStatus.ENDED:
                raise ValidationError("status", "This subscription has already ended.")
            check_contract_dates(sub.start_date, end)
            child_rows.apply_changes(
                session,
                sub,
                {
                    "status": SubscriptionStatus.ENDED.value,
                    "contract_end": end,
                    "next_payment_date": None,
                },
                entity="subscription",
                actor=self.ctx.actor,
                expected_version=None,
            )
            summary.refresh(session, sub.customer_id)
            return read_of(SubscriptionRead, sub)

    def cost_recovered(self, subscription_id: int) -> Decimal:
        """Paid so far against this subscription."""
        from sqlalchemy import func

        with self.ctx.read() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(col(Payment.amount)), 0)).where(
                    col(Payment.subscription_id) == subscription_id,
                    col(Payment.status) == PaymentStatus.PAID,
                )
            )
            return Decimal(total or 0).quantize(Decimal("0.01"))

    # --- payments ------------------------------------------------------------

    def payments(
        self, customer_id: int, *, status: str | None = None, limit: int = 1000
    ) -> list[PaymentRead]:
        with self.ctx.read() as session:
            query = payments_of(customer_id, status=status, limit=limit)
            return [read_of(PaymentRead, row) for row in session.scalars(query)]

    def record_payment(
        self, customer_id: int, data: PaymentCreate, *, invoice_id: int | None = None
    ) -> RecordedPayment:
        """Record a payment; a paid one settles `invoice_id` first, then the oldest due.

        What is left over stays on the customer as credit in that currency.
        """
        values = clean_payment(
            {
                "currency": self.ctx.reporting_currency,
                "status": "paid",
                "paid_at": date.today(),
                **data.given(),
            }
        )
        if values["amount"] == 0:
            raise ValidationError("amount", "The amount must be more than zero.")
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            self._check_links(session, customer_id, values)
            payment = Payment(customer_id=customer_id, **values)
            if invoice_id is not None:
                day = payment.paid_at.astimezone(UTC).date()
                settlement.check_payable(session, invoice_id, customer_id, payment.currency, day)
            recompute.one_payment(session, payment)
            session.add(payment)
            child_rows.record_create(session, payment, "payment", self.ctx.actor, values)
            notice = ""
            if payment.status == PaymentStatus.PAID:
                session.flush()
                assert payment.id is not None
                unsettled = settlement.settle(
                    session, customer_id, self.ctx.actor, first_id=invoice_id
                )
                notice = unsettled.get(payment.id, "")
            summary.refresh(session, customer_id)
            return read_of(RecordedPayment, payment, notice=notice)

    def mark_paid(self, payment_id: int) -> RecordedPayment:
        return self._set_payment_status(
            payment_id, PaymentStatus.PAID, {PaymentStatus.FAILED, PaymentStatus.PENDING}
        )

    def refund(self, payment_id: int) -> RecordedPayment:
        return self._set_payment_status(payment_id, PaymentStatus.REFUNDED, {PaymentStatus.PAID})

    def _set_payment_status(
        self, payment_id: int, status: str, allowed_from: set[str]
    ) -> RecordedPayment:
        with self.ctx.write() as session:
            payment = child_rows.load_child(session, Payment, payment_id)
            child_rows.live_customer(session, payment.customer_id)
            if payment.status not in allowed_from:
                raise ValidationError(
                    "status", f"A {payment.status} payment cannot be marked {status}."
                )
            was_paid = payment.status == PaymentStatus.PAID
            notice = ""
            child_rows.apply_changes(
                session,
                payment,
                {"status": status},
                entity="payment",
                actor=self.ctx.actor,
                expected_version=None,
            )
            if was_paid:  # a refund reopens what the payment settled, and may refund its order
                settlement.release_payment(session, payment, self.ctx.actor)
                order_status.after_refund(session, payment, self.ctx.actor)
            elif status == PaymentStatus.PAID:
                unsettled = settlement.settle(session, payment.customer_id, self.ctx.actor)
                notice = unsettled.get(payment_id, "")
            summary.refresh(session, payment.customer_id)
            return read_of(RecordedPayment, payment, notice=notice)

    @staticmethod
    def _check_links(session: Any, customer_id: int, values: dict[str, Any]) -> None:
        for field, model in (
            ("subscription_id", Subscription),
            ("order_id", Order),
            ("payment_method_id", PaymentMethod),
        ):
            link = values.get(field)
            if link is None:
                continue
            row = session.get(model, link)
            if row is None or row.customer_id != customer_id:
                raise ValidationError(
                    field, f"The {field[:-3].replace('_', ' ')} {link} is not this customer's."
                )

    # --- orders --------------------------------------------------------------

    def orders(self, customer_id: int, limit: int = 500) -> list[OrderRead]:
        with self.ctx.read() as session:
            orders = list(
                session.scalars(
                    select(Order)
                    .where(col(Order.customer_id) == customer_id)
                    .order_by(col(Order.ordered_at).desc())
                    .limit(limit)
                )
            )
            ids = [o.id for o in orders]
            items: dict[int, list[OrderItemRead]] = {i: [] for i in ids if i is not None}
            if ids:
                for item in session.scalars(
                    select(OrderItem)
                    .where(col(OrderItem.order_id).in_(ids))
                    .order_by(col(OrderItem.id))
                ):
                    items[item.order_id].append(read_of(OrderItemRead, item))
            invoiced = _invoices_of_orders(session, [i for i in ids if i is not None])
            return [
                read_of(
                    OrderRead,
                    o,
                    items=tuple(items.get(o.id or 0, [])),
                    invoice=invoiced.get(o.id or 0, ""),
                )  # fmt: skip
                for o in orders
            ]

    def add_order(self, customer_id: int, data: OrderCreate) -> OrderRead:
        if not data.items:
            raise ValidationError("items", "An order needs at least one item.")
        lines = [clean_order_item(item.given()) for item in data.items]
        total = sum((i["quantity"] * i["unit_price"] for i in lines), Decimal("0.00"))
        if total >= MAX_AMOUNT:
            raise ValidationError(
                "items",
                f"The order would total {total:,}; an order must total less than {MAX_AMOUNT:,}.",
            )
        values: dict[str, Any] = {
            "status": parse_choice(data.status, "status", [s.value for s in OrderStatus]),
            "currency": parse_currency(data.currency, required=True),
            "ordered_at": parse_when(data.ordered_at or date.today(), "ordered_at"),
            "total": total,
        }
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            order = Order(customer_id=customer_id, **values)
            session.add(order)
            session.flush()
            assert order.id is not None
            rows = [OrderItem(order_id=order.id, **line) for line in lines]
            session.add_all(rows)
            child_rows.record_create(session, order, "order", self.ctx.actor, values)
            summary.refresh(session, customer_id)
            items = tuple(read_of(OrderItemRead, r) for r in rows)
            return read_of(OrderRead, order, items=items, invoice="")

    # --- payment methods -----------------------------------------------------

    def payment_methods(self, customer_id: int) -> list[PaymentMethodRead]:
        with self.ctx.read() as session:
            rows = session.scalars(
                select(PaymentMethod)
                .where(col(PaymentMethod.customer_id) == customer_id)
                .order_by(col(PaymentMethod.is_default).desc(), col(PaymentMethod.id))
            )
            return [read_of(PaymentMethodRead, row) for row in rows]

    def add_payment_method(self, customer_id: int, data: PaymentMethodCreate) -> PaymentMethodRead:
        """Vault a card; the first one that is still good becomes the default by itself."""
        values = clean_method(data.given())
        today = date.today()
        expired = cards.is_expired(values["exp_month"], values["exp_year"], today)
        if values["is_default"]:
            cards.refuse_if_expired(
                values["brand"], values["last4"], values["exp_month"], values["exp_year"], today
            )
        with self.ctx.write() as session:
            child_rows.live_customer(session, customer_id)
            has_default = session.scalar(
                select(col(PaymentMethod.id)).where(
                    col(PaymentMethod.customer_id) == customer_id, col(PaymentMethod.is_default)
                )
            )
            if has_default is None and not expired:
                values["is_default"] = True
            elif values.get("is_default"):
                session.execute(
                    update(PaymentMethod)
                    .where(col(PaymentMethod.customer_id) == customer_id)
                    .values(is_default=False)
                )
            method = PaymentMethod(customer_id=customer_id, **values)
            session.add(method)
            child_rows.record_create(
                session, method, "payment_method", self.ctx.actor,
                {"brand": values["brand"], "last4": values["last4"]},
            )  # fmt: skip
            return read_of(PaymentMethodRead, method)

    def make_default_payment_method(self, method_id: int) -> PaymentMethodRead:
        """Make a vaulted card the customer's default (an expired one is refused)."""
        with self.ctx.write() as session:
            method = child_rows.load_child(session, PaymentMethod, method_id)
            child_rows.live_customer(session, method.customer_id)
            cards.make_default(session, method, self.ctx.actor, date.today())
            return read_of(PaymentMethodRead, method)

    def remove_payment_method(self, method_id: int) -> None:
        with self.ctx.write() as session:
            method = child_rows.load_child(session, PaymentMethod, method_id)
            child_rows.live_customer(session, method.customer_id)
            child_rows.record_delete(
                session,
                method,
                "payment_method",
                self.ctx.actor,
                card_label(method.brand, method.last4),
            )


def _invoices_of_orders(session: Any, order_ids: list[int]) -> dict[int, str]:
    """The invoice (number, or "draft #12") that bills each order's items, if any."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(col(OrderItem.order_id), col(Invoice.id), col(Invoice.number))
        .join(InvoiceLine, col(InvoiceLine.order_item_id) == col(OrderItem.id))
        .join(Invoice, col(Invoice.id) == col(InvoiceLine.invoice_id))
        .where(col(OrderItem.order_id).in_(order_ids), col(InvoiceLine.claims))
        .order_by(col(Invoice.id))
    )
    return {order_id: number or f"draft #{invoice_id}" for order_id, invoice_id, number in rows}
