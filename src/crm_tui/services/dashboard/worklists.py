"""The dashboard's work lists: follow-ups due and contracts ending, with their counts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Note, Subscription, format_number
from crm_tui.models.enums import SubscriptionStatus
from crm_tui.services.common import as_money, display_name, name_columns
from crm_tui.services.dashboard.figures import EndingContract, EndingContracts, FollowUp, FollowUps


def follow_ups(session: Session, *, as_of: date, limit: int = 50) -> FollowUps:
    """Open follow-ups due on or before as_of, oldest first."""
    due = and_(col(Note.follow_up_on) <= as_of, col(Note.done).is_(False))
    counts = session.execute(
        select(func.count(), func.count(case((col(Note.follow_up_on) < as_of, 1)))).where(due)
    ).one()
    rows = session.execute(
        select(
            col(Note.id),
            col(Note.customer_id),
            *name_columns(),
            col(Note.title),
            col(Note.follow_up_on),
            col(Note.type),
        )
        .join(Customer, col(Customer.id) == col(Note.customer_id))
        .where(due)
        .order_by(col(Note.follow_up_on), col(Note.id))
        .limit(limit)
    ).all()
    return FollowUps(
        total=int(counts[0] or 0),
        overdue=int(counts[1] or 0),
        rows=tuple(
            FollowUp(
                note_id=r[0],
                customer_id=r[1],
                number=format_number(r[1]),
                customer=display_name(r[2], r[3], r[4], r[5]),
                title=r[6],
                due=r[7],
                type=r[8],
            )
            for r in rows
        ),
    )


def contracts_ending(
    session: Session, *, as_of: date, days: int = 30, limit: int = 50
) -> EndingContracts:
    """Active subscriptions whose contract ends in the next `days` days."""
    ending = and_(
        col(Subscription.status) == SubscriptionStatus.ACTIVE,
        col(Subscription.contract_end) >= as_of,
        col(Subscription.contract_end) <= as_of + timedelta(days=days),
    )
    total = session.scalar(select(func.count()).select_from(Subscription).where(ending))
    rows = session.execute(
        select(
            col(Subscription.id),
            col(Subscription.customer_id),
            *name_columns(),
            col(Subscription.product),
            col(Subscription.variant),
            col(Subscription.contract_end),
            col(Subscription.monthly_amount),
            col(Subscription.currency),
        )
        .join(Customer, col(Customer.id) == col(Subscription.customer_id))
        .where(ending)
        .order_by(col(Subscription.contract_end), col(Subscription.id))
        .limit(limit)
    ).all()
    return EndingContracts(
        total=int(total or 0),
        rows=tuple(
            EndingContract(
                subscription_id=r[0],
                customer_id=r[1],
                number=format_number(r[1]),
                customer=display_name(r[2], r[3], r[4], r[5]),
                product=r[6],
                variant=r[7],
                contract_end=r[8],
                monthly_amount=as_money(r[9]),
                currency=r[10],
            )
            for r in rows
        ),
    )
