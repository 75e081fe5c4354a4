"""One batch of the billing run as rows in the database: its lines, payers and amounts.

A batch's unbilled subscriptions are selected once into a temporary table
(one row per line, with its payer, description, amount and tax worked out by
the database), and the invoices, lines and history are all written from it.
Reading the candidates once matters on PostgreSQL: a second run billing the
same periods meanwhile makes our line insert clash on the claim index (the
batch rolls back and is looked at again) instead of leaving an invoice whose
lines were billed elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    UniqueConstraint,
    distinct,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, Subscription
from crm_tui.models.types import Money
from crm_tui.services.common import live_customer
from crm_tui.services.invoices.lines import HUNDRED
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run_queries import PayerBatch, unbilled
from crm_tui.services.invoices.run_sql import (
    customer_number_sql,
    display_name_sql,
    line_description,
)
from crm_tui.services.money.convert import scaled

STAGE_COLUMNS = (
    "rn", "subscription_id", "customer_id", "payer_id", "group_id", "currency",
    "description", "amount", "tax",
)  # fmt: skip


@dataclass(frozen=True)
class Stage:
    """The batch's lines, and its invoices: one per payer and currency, in number order."""

    lines: Table
    invoices: Table


@cache
def stage_tables() -> Stage:
    """The stage's tables, the same objects for every batch (so the batch's statements are
    compiled once, not once a batch); each batch creates them in its transaction as
    temporary tables and drops them before it commits."""
    metadata = MetaData()
    lines = Table(
        "crm_billing_stage",
        metadata,
        Column("rn", Integer, primary_key=True, autoincrement=False),
        Column("subscription_id", Integer, nullable=False),
        Column("customer_id", Integer, nullable=False),
        Column("payer_id", Integer, nullable=False),
        Column("group_id", Integer),
        Column("currency", String(3), nullable=False),
        Column("description", String, nullable=False),
        Column("amount", Money, nullable=False),
        Column("tax", Money, nullable=False),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    invoices = Table(
        "crm_billing_stage_invoice",
        metadata,
        Column("ordinal", Integer, primary_key=True, autoincrement=False),
        Column("payer_id", Integer, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("group_id", Integer),
        Column("subtotal", Money, nullable=False),
        Column("tax", Money, nullable=False),
        UniqueConstraint("payer_id", "currency"),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    return Stage(lines, invoices)


def batch_lines(batch: PayerBatch, month: Month, tax_rate: Decimal) -> Select[Any]:
    """The batch's unbilled subscriptions as lines, in STAGE_COLUMNS order.

    `rn` numbers them by customer then subscription: invoices are numbered in
    the order of their first line and lines are placed in that order.
    """
    query = unbilled(month)
    payer: Any = col(Subscription.customer_id)
    member = None
    if batch.group_ids:
        # A group's invoice goes to its lead member: the earliest live one.
        leads = (
            select(
                col(Customer.billing_group_id).label("group_id"),
                func.min(col(Customer.id)).label("lead_id"),
            )
            .where(col(Customer.billing_group_id).in_(batch.group_ids), live_customer())
            .group_by(col(Customer.billing_group_id))
            .subquery()
        )
        query = query.join(leads, leads.c.group_id == col(Customer.billing_group_id)).where(
            col(Customer.billing_group_id).in_(batch.group_ids)
        )
        payer = leads.c.lead_id
        member = (
            customer_number_sql(col(Subscription.customer_id))
            + " "
            + display_name_sql(
                col(Customer.kind),
                col(Customer.first_name),
                col(Customer.last_name),
                col(Customer.company_name),
            )
        )
    else:
        first, last = batch.customer_ids[0], batch.customer_ids[-1]
        query = query.where(
            col(Subscription.customer_id) >= first,
            col(Subscription.customer_id) <= last,
            col(Customer.billing_group_id).is_(None),
        )
    amount = col(Subscription.monthly_amount)  # one month at the monthly price
    return query.with_only_columns(
        func.row_number()
        .over(order_by=(col(Subscription.customer_id), col(Subscription.id)))
        .label("rn"),
        col(Subscription.id).label("subscription_id"),
        col(Subscription.customer_id).label("customer_id"),
        payer.label("payer_id"),
        col(Customer.billing_group_id).label("group_id"),
        col(Subscription.currency).label("currency"),
        line_description(
            col(Subscription.product),
            col(Subscription.variant),
            col(Subscription.asset_serial),
            month.title,
            member,
        ).label("description"),
        amount.label("amount"),
        scaled(amount, tax_rate / HUNDRED).label("tax"),
    )


def fill(session: Session, stage: Stage, lines: Select[Any]) -> None:
    """Create the stage tables (rolled back with the transaction) and fill them: the lines,
    then one invoice per payer and currency, ordered by its first line."""
    stage.lines.metadata.create_all(session.connection())
    session.execute(insert(stage.lines).from_select(list(STAGE_COLUMNS), lines))
    staged = stage.lines.c
    grouped = (
        select(
            staged.payer_id,
            staged.currency,
            func.min(staged.group_id).label("group_id"),
            func.min(staged.rn).label("first_line"),
            func.sum(staged.amount).label("subtotal"),
            func.sum(staged.tax).label("tax"),
        )
        .group_by(staged.payer_id, staged.currency)
        .subquery()
    )
    session.execute(
        insert(stage.invoices).from_select(
            ["ordinal", "payer_id", "currency", "group_id", "subtotal", "tax"],
            select(
                func.row_number().over(order_by=grouped.c.first_line),
                grouped.c.payer_id,
                grouped.c.currency,
                grouped.c.group_id,
                grouped.c.subtotal,
                grouped.c.tax,
            ),
        )
    )


def drop(session: Session, stage: Stage) -> None:
    stage.lines.metadata.drop_all(session.connection())


@dataclass(frozen=True)
class StageSums:
    """How many invoices and lines a batch makes, and its totals per currency."""

    invoices: int
    lines: int
    totals: dict[str, Decimal]


def sums(db: Session | Connection, lines: Any) -> StageSums:
    """Invoices (one per payer and currency), lines and totals of staged or selected lines."""
    rows = db.execute(
        select(
            lines.c.currency,
            func.count(distinct(lines.c.payer_id)),
            func.count(),
            type_coerce(func.sum(lines.c.amount) + func.sum(lines.c.tax), Money()),
        ).group_by(lines.c.currency)
    ).all()
    return StageSums(
        invoices=sum(int(r[1]) for r in rows),
        lines=sum(int(r[2]) for r in rows),
        totals={str(r[0]): r[3] for r in rows},
    )
