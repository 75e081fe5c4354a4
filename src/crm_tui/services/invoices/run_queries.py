"""The billing run's queries: which subscriptions a month still has to bill, and who pays.

All filtering happens in the database: a subscription is a candidate when it
is active in the month, its customer is neither erased nor merged, and no
standing invoice line claims its (subscription, month) yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, InvoiceLine, Subscription
from crm_tui.models.enums import SubscriptionStatus
from crm_tui.services.common import chunks, live_customer
from crm_tui.services.invoices.periods import Month


@dataclass(frozen=True)
class PayerBatch:
    """Billing groups, or a run of ungrouped customer ids (ascending)."""

    group_ids: tuple[int, ...] = ()
    customer_ids: tuple[int, ...] = ()

    @property
    def payers(self) -> tuple[int, ...]:
        return self.group_ids or self.customer_ids


def unbilled(month: Month) -> Select[*tuple[Any, ...]]:
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
            col(Customer.billing_group_id),
        )
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
    base = unbilled(month).subquery()
    groups = list(
        session.scalars(
            select(base.c.billing_group_id)
            .where(base.c.billing_group_id.is_not(None))
            .distinct()
            .order_by(base.c.billing_group_id)
        )
    )
    customers = list(
        session.scalars(
            select(base.c.customer_id)
            .where(base.c.billing_group_id.is_(None))
            .distinct()
            .order_by(base.c.customer_id)
        )
    )
    batches = [PayerBatch(group_ids=tuple(chunk)) for chunk in chunks(groups, size)]
    batches += [PayerBatch(customer_ids=tuple(chunk)) for chunk in chunks(customers, size)]
    return batches
