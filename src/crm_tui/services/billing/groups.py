"""Billing groups: business customers invoiced together.

Membership is the customer's `billing_group_id`, a customer field, so joining
or leaving a group bumps the customer's version and writes its history like
any other edit (an open edit of that customer then merges or conflicts as
usual). Only business customers join a group. The group view's figures come
from the per-customer summary in one aggregate query.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, Customer, CustomerSummary, format_number
from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.models.types import Money, utcnow
from crm_tui.services import history
from crm_tui.services.common import display_name, load_row, lock_customer, name_columns
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ConflictError, FieldConflict, NotFound, ValidationError
from crm_tui.services.roles.policy import Capability
from crm_tui.services.segments.membership import rewrite_segment_rules
from crm_tui.services.validation import clean_text

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BillingGroupRead:
    """A group with its headline figures."""

    id: int
    name: str
    version: int
    members: int
    active_monthly: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class GroupMember:
    """One member line of the group view."""

    customer_id: int
    number: str
    name: str
    status: str
    payment_terms: str | None
    active_subscriptions: int
    active_monthly: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class GroupView:
    """A group with every member and the totals."""

    group: BillingGroupRead
    members: tuple[GroupMember, ...]

    @property
    def active_subscriptions(self) -> int:
        return sum(m.active_subscriptions for m in self.members)


@dataclass(frozen=True)
class MembershipResult:
    """What a bulk add did: added, already members, refused (not business or gone)."""

    added: int
    already: int
    refused: int


def _id(value: int | None) -> int:
    assert value is not None
    return value


def _money(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class BillingGroupService:
    """Create, rename and fill billing groups; the group view."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading -------------------------------------------------------------

    def list(self) -> builtins.list[BillingGroupRead]:
        with self.ctx.read() as session:
            return self._reads(session, None)

    def get(self, group_id: int) -> BillingGroupRead:
        with self.ctx.read() as session:
            found = self._reads(session, group_id)
            if not found:
                raise NotFound("That billing group no longer exists.")
            return found[0]

    def view(self, group_id: int) -> GroupView:
        """Members by name with their active subscriptions, monthly total and balance."""
        with self.ctx.read() as session:
            found = self._reads(session, group_id)
            if not found:
                raise NotFound("That billing group no longer exists.")
            rows = session.execute(
                select(
                    col(Customer.id),
                    *name_columns(),
                    col(Customer.status),
                    col(Customer.payment_terms),
                    col(CustomerSummary.active_subscriptions),
                    col(CustomerSummary.active_monthly),
                    col(CustomerSummary.outstanding_balance),
                )
                .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
                .where(col(Customer.billing_group_id) == group_id)
                .order_by(col(Customer.sort_name), col(Customer.id))
            ).all()
            members = tuple(
                GroupMember(
                    customer_id=_id(r[0]),
                    number=format_number(_id(r[0])),
                    name=display_name(r[1], r[2], r[3], r[4]),
                    status=r[5],
                    payment_terms=r[6],
                    active_subscriptions=int(r[7] or 0),
                    active_monthly=_money(r[8]),
                    outstanding=_money(r[9]),
                )
                for r in rows
            )
            return GroupView(group=found[0], members=members)

    # --- writing -------------------------------------------------------------

    def create(self, name: str) -> BillingGroupRead:
        with self.ctx.write(Capability.SETTINGS) as session:
            group = BillingGroup(name=self._clean_name(session, name, None))
            session.add(group)
            session.flush()
            assert group.id is not None
            return BillingGroupRead(group.id, group.name, group.version, 0, ZERO, ZERO)

    def rename(
        self, group_id: int, name: str, *, expected_version: int | None = None
    ) -> BillingGroupRead:
        with self.ctx.write(Capability.SETTINGS) as session:
            group = self._load(session, group_id, lock=True)
            clean = self._clean_name(session, name, group_id)
            if clean != group.name:
                if expected_version is not None and group.version != expected_version:
                    raise ConflictError(
                        "billing group",
                        [FieldConflict(field="name", then=None, now=group.name, yours=clean)],
                        group.version,
                    )
                old = group.name
                group.name = clean
                group.version += 1
                session.flush()
                rewrite_segment_rules(session, "billing_group", old, clean)
            return self._reads(session, group_id)[0]

    def delete(self, group_id: int) -> int:
        """Delete the group; its members leave it (recorded). Returns how many left."""
        with self.ctx.write(Capability.SETTINGS) as session:
            group = self._load(session, group_id, lock=True)
            ids = list(
                session.scalars(
                    select(col(Customer.id)).where(col(Customer.billing_group_id) == group_id)
                )
            )
            for customer_id in ids:
                self._set_group(session, _id(customer_id), None)
            session.delete(group)
            return len(ids)

    def add_member(self, group_id: int, customer_id: int) -> None:
        """Put one business customer in the group (moving it from any other group)."""
        with self.ctx.write() as session:
            group = self._load(session, group_id)
            customer = self._customer(session, customer_id)
            if customer.kind != CustomerKind.BUSINESS:
                raise ValidationError(
                    "customer",
                    f"{format_number(customer_id)} is not a business customer; "
                    "only business customers join billing groups.",
                )
            if customer.billing_group_id == group_id:
                raise ValidationError(
                    "customer", f"{format_number(customer_id)} is already in {group.name}."
                )
            self._set_group(session, customer_id, group_id)

    def add_members(self, group_id: int, customer_ids: Iterable[int]) -> MembershipResult:
        """Bulk add from marked rows: individuals and merged customers are skipped."""
        added = already = refused = 0
        with self.ctx.write() as session:
            self._load(session, group_id)
            for customer_id in sorted(set(customer_ids)):
                customer = session.get(Customer, customer_id)
                if (
                    customer is None
                    or customer.kind != CustomerKind.BUSINESS
                    or customer.status == CustomerStatus.MERGED
                    or customer.erased_at is not None
                ):
                    refused += 1
                elif customer.billing_group_id == group_id:
                    already += 1
                else:
                    self._set_group(session, customer_id, group_id)
                    added += 1
        return MembershipResult(added=added, already=already, refused=refused)

    def remove_member(self, group_id: int, customer_id: int) -> None:
        with self.ctx.write() as session:
            group = self._load(session, group_id)
            customer = self._customer(session, customer_id)
            if customer.billing_group_id != group_id:
                raise ValidationError(
                    "customer", f"{format_number(customer_id)} is not in {group.name}."
                )
            self._set_group(session, customer_id, None)

    # --- internals -----------------------------------------------------------

    def _reads(self, session: Session, group_id: int | None) -> builtins.list[BillingGroupRead]:
        grouped: list[ColumnElement[bool]] = [col(Customer.billing_group_id).is_not(None)]
        if group_id is not None:
            grouped.append(col(Customer.billing_group_id) == group_id)
        sub = (
            select(
                col(Customer.billing_group_id).label("group_id"),
                func.count().label("members"),
                func.coalesce(func.sum(col(CustomerSummary.active_monthly)), 0).label("monthly"),
                func.coalesce(func.sum(col(CustomerSummary.outstanding_balance)), 0).label("owed"),
            )
            .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
            .where(*grouped)
            .group_by(col(Customer.billing_group_id))
            .subquery()
        )
        query = (
            select(
                col(BillingGroup.id),
                col(BillingGroup.name),
                col(BillingGroup.version),
                sub.c.members,
                func.coalesce(sub.c.monthly, 0, type_=Money),
                func.coalesce(sub.c.owed, 0, type_=Money),
            )
            .outerjoin(sub, sub.c.group_id == col(BillingGroup.id))
            .order_by(func.lower(col(BillingGroup.name)))
        )
        if group_id is not None:
            query = query.where(col(BillingGroup.id) == group_id)
        return [
            BillingGroupRead(r[0], r[1], r[2], int(r[3] or 0), _money(r[4]), _money(r[5]))
            for r in session.execute(query).all()
        ]

    @staticmethod
    def _load(session: Session, group_id: int, *, lock: bool = False) -> BillingGroup:
        missing = "That billing group no longer exists."
        return load_row(session, BillingGroup, group_id, missing=missing, lock=lock)

    @staticmethod
    def _customer(session: Session, customer_id: int) -> Customer:
        customer = lock_customer(session, customer_id)
        if customer.status == CustomerStatus.MERGED:
            raise ValidationError(
                "customer", "This customer was merged into another; use the surviving customer."
            )
        if customer.erased_at is not None:
            raise ValidationError("customer", "This customer's data was erased.")
        return customer

    def _set_group(self, session: Session, customer_id: int, group_id: int | None) -> None:
        customer = lock_customer(session, customer_id)
        old_id = customer.billing_group_id
        customer.billing_group_id = group_id
        customer.version += 1
        customer.updated_at = utcnow()
        session.flush()
        # Recorded under the same field the customer wizard writes, so an open
        # edit of this customer sees the change (merge or conflict as usual).
        history.record_customer(
            session,
            customer_id,
            actor=self.ctx.actor,
            action="update",
            version=customer.version,
            changes={"billing_group_id": (old_id, group_id)},
        )

    @staticmethod
    def _clean_name(session: Session, raw: str, own_id: int | None) -> str:
        name = clean_text("name", raw, required=True, max_len=120)
        assert name is not None
        query = select(col(BillingGroup.id)).where(
            func.lower(col(BillingGroup.name)) == name.lower()
        )
        if own_id is not None:
            query = query.where(col(BillingGroup.id) != own_id)
        if session.scalar(query.limit(1)) is not None:
            raise ValidationError("name", f"There is already a billing group called {name!r}.")
        return name
