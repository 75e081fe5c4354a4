"""The billing run's queries: which subscriptions a month still has to bill, and who pays.

All filtering happens in the database: a subscription is a candidate when it
is active in the month, its customer is neither erased nor merged, and no
standing invoice line claims its (subscription, month) yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, InvoiceLine, Subscription, format_number
from crm_tui.models.enums import SubscriptionStatus
from crm_tui.services.common import chunks, display_name, live_customer
from crm_tui.services.invoices.lines import LineValues, priced
from crm_tui.services.invoices.periods import Month

ONE = Decimal("1.00")


@dataclass(frozen=True)
class PayerBatch:
    """Billing groups (with their lead members) or a run of ungrouped customer ids."""

    group_ids: tuple[int, ...] = ()
    leads: dict[int, int] = field(default_factory=dict)
    customer_ids: tuple[int, ...] = ()

    @property
    def payers(self) -> tuple[int, ...]:
        return self.group_ids or self.customer_ids

    def payer_of(self, row: Row[Any]) -> int:
        group: int | None = row.billing_group_id
        return self.leads[group] if group is not None else int(row.customer_id)


def _unbilled(month: Month) -> Select[*tuple[Any, ...]]:
    """Candidate subscriptions of `month` joined to their customers."""
    claimed = exists().where(
        col(InvoiceLine.subscription_id) == col(Subscription.id),
        col(InvoiceLine.period_start) == month.first_day,
        col(InvoiceLine.claims),
    )
    return (
        select(
            col(Subscription.id),
            col(Subscription.customer_id),
            col(Subscription.currency),
            col(Subscription.product),
            col(Subscription.variant),
            col(Subscription.asset_serial),
            col(Subscription.monthly_amount),
            col(Customer.billing_group_id),
            col(Customer.kind),
            col(Customer.first_name),
            col(Customer.last_name),
            col(Customer.company_name),
        )  # fmt: skip
        .join(Customer, col(Customer.id) == col(Subscription.customer_id))
        .where(
            col(Subscription.status) == SubscriptionStatus.ACTIVE,
            col(Subscription.start_date) <= month.last_day,
            or_(
                col(Subscription.contract_end).is_(None),
                col(Subscription.contract_end) >= month.first_day,
            ),
            live_customer(),
            ~claimed,
        )
    )


def payer_batches(session: Session, month: Month, size: int) -> list[PayerBatch]:
    """Every payer with something to bill this month, `size` payers to a batch."""
    base = _unbilled(month).subquery()
    groups = list(
        session.scalars(
            select(base.c.billing_group_id)
            .where(base.c.billing_group_id.is_not(None))
            .distinct()
            .order_by(base.c.billing_group_id)
        )
    )
    leads: dict[int, int] = {}
    for group, lead in session.execute(
        select(col(Customer.billing_group_id), func.min(col(Customer.id)))
        .where(col(Customer.billing_group_id).in_(groups), live_customer())
        .group_by(col(Customer.billing_group_id))
    ).all():
        if group is not None and lead is not None:
            leads[group] = lead
    customers = list(
        session.scalars(
            select(base.c.customer_id)
            .where(base.c.billing_group_id.is_(None))
            .distinct()
            .order_by(base.c.customer_id)
        )
    )
    batches = [
        PayerBatch(group_ids=tuple(chunk), leads={g: leads[g] for g in chunk})
        for chunk in chunks(groups, size)
    ]
    batches += [PayerBatch(customer_ids=tuple(chunk)) for chunk in chunks(customers, size)]
    return batches


def candidates(session: Session, batch: PayerBatch, month: Month) -> Sequence[Row[Any]]:
    """The batch's unbilled subscriptions, by customer then subscription."""
    query = _unbilled(month)
    if batch.group_ids:
        query = query.where(col(Customer.billing_group_id).in_(batch.group_ids))
    else:
        first, last = batch.customer_ids[0], batch.customer_ids[-1]
        query = query.where(
            and_(col(Subscription.customer_id) >= first, col(Subscription.customer_id) <= last),
            col(Customer.billing_group_id).is_(None),
        )
    return session.execute(
        query.order_by(col(Subscription.customer_id), col(Subscription.id))
    ).all()


def line_text(row: Row[Any], month: Month, *, grouped: bool) -> str:
    """ "Fibre 500 (serial AB-1) · November 2026", with the member first on a group invoice."""
    text = " ".join(p for p in (row.product, row.variant) if p)
    if row.asset_serial:
        text += f" (serial {row.asset_serial})"
    text += f" · {month.title}"
    if grouped:
        name = display_name(row.kind, row.first_name, row.last_name, row.company_name)
        text = f"{format_number(row.customer_id)} {name}: {text}"
    return text[:300]


def subscription_line(description: str, monthly: Decimal, tax_rate: Decimal) -> LineValues:
    return priced(description, ONE, monthly, tax_rate)
