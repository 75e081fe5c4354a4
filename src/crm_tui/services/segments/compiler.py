"""Clean segment rules compiled to one SQLAlchemy condition over `customer`.

Values only ever reach the database as bound parameters; `%`/`_` in a
"contains" value match themselves (LIKE is escaped). Dates are whole days in
UTC: "created before 2025-01-31" means before that day began. Relative
operators ("in the last 30 days") count back from the `today` passed in, so
results are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql import visitors
from sqlmodel import col

from crm_tui.models import (
    Address,
    BillingGroup,
    Customer,
    CustomerSummary,
    CustomerTag,
    Payment,
    Subscription,
    Tag,
)
from crm_tui.models.enums import CustomerStatus, PaymentStatus
from crm_tui.services.common import not_merged, start_of
from crm_tui.services.segments.fields import SUMMARY_FIELDS, FieldType
from crm_tui.services.segments.payer_rules import days_overdue_condition, payer_condition
from crm_tui.services.segments.rules import CleanRule, CleanRuleSet
from crm_tui.services.validation import text_key


def compile_rules(ruleset: CleanRuleSet, *, today: date, semi: bool = True) -> ColumnElement[bool]:
    """One boolean expression over `customer` (and `customer_summary`, when needed).

    `semi=True` suits counting a whole segment; `semi=False` suits checking
    rows one at a time (the list's window): see `_has`.
    """
    parts = [_compile(rule, today, semi) for rule in ruleset.rules]
    if not parts:
        return true() if ruleset.match == "all" else false()
    return and_(*parts) if ruleset.match == "all" else or_(*parts)


def member_query(ruleset: CleanRuleSet, *, today: date) -> Select[Any]:
    """Ids of the customers the rules select (merged customers never count)."""
    query = select(col(Customer.id))
    if ruleset.needs_summary:
        query = query.join(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
    return query.where(not_merged(), compile_rules(ruleset, today=today, semi=_semi(ruleset)))


def _semi(ruleset: CleanRuleSet) -> bool:
    """Whether set rules (tags, countries, payments) should build their sets once.

    When every rule must hold and one is a range on an indexed figure or date
    (lifetime value, last purchase, customer since...), the database does
    better starting from that range and probing each customer's tags or
    address than building the set of, say, every customer in GB first
    (1.2 s at a million customers, against a few thousand probes).
    """
    ranged = (FieldType.MONEY, FieldType.NUMBER, FieldType.DATE)
    return not (ruleset.match == "all" and any(r.spec.type in ranged for r in ruleset.rules))


def count_query(ruleset: CleanRuleSet, *, today: date) -> Select[Any]:
    """The number of members, as one query.

    When the rules read no customer column but its id (summary figures, and
    sets such as tags, countries or payments), they are counted over the
    summary alone (every customer has one row), through its indexes, less
    the few merged customers among them: a million customers then cost a
    range of index entries, not a million look-ups of each customer's status.
    """
    condition = compile_rules(ruleset, today=today, semi=_semi(ruleset))
    if all(r.spec.name in BY_ID_FIELDS for r in ruleset.rules):
        customers = Customer.__table__  # type: ignore[attr-defined]

        def to_summary(element: Any, **_kw: Any) -> Any:
            # col(Customer.id) is an ORM-annotated copy of the table's column: match by place.
            is_id = getattr(element, "table", None) is customers and element.key == "id"
            return col(CustomerSummary.customer_id) if is_id else None

        no_options: dict[str, Any] = {}
        on_summary = visitors.replacement_traverse(condition, no_options, to_summary)
        everyone = select(func.count()).select_from(CustomerSummary).where(on_summary)
        if customers in everyone.get_final_froms():  # a customer column left: not this way
            return _count_customers(ruleset, condition)
        # The merged few are found by their status and checked one by one (semi=False):
        # with the sets built first, this part cost as much as the count itself.
        per_row = compile_rules(ruleset, today=today, semi=False)
        merged = _count_customers(ruleset, per_row, merged=True)
        return select(everyone.scalar_subquery() - merged.scalar_subquery())
    return _count_customers(ruleset, condition)


def _count_customers(
    ruleset: CleanRuleSet, condition: ColumnElement[bool], *, merged: bool = False
) -> Select[Any]:
    """Customers meeting `condition`: those not merged, or with `merged` only the merged."""
    query = select(func.count()).select_from(Customer)
    if ruleset.needs_summary:
        query = query.join(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
    status = col(Customer.status) == CustomerStatus.MERGED.value if merged else not_merged()
    return query.where(status, condition)


Compiler = Callable[[CleanRule, date, bool], ColumnElement[bool]]
# Fields whose conditions read no customer column but customer.id (summary
# figures, and sets of ids from other tables): count_query counts them on the summary.
BY_ID_FIELDS = SUMMARY_FIELDS | {"tag", "country", "failed_payment", "first_subscription"}


def _compile(rule: CleanRule, today: date, semi: bool) -> ColumnElement[bool]:
    compiler = _COMPILERS[rule.spec.type]
    return compiler(rule, today, semi)


def _nullable_negation(column: Any, positive: ColumnElement[bool]) -> ColumnElement[bool]:
    """ "is not X" includes rows where the column is empty: SQL's NULL != X would not."""
    return or_(column.is_(None), not_(positive))


def _compile_choice(rule: CleanRule, today: date, _semi: bool) -> ColumnElement[bool]:
    values = rule.value if isinstance(rule.value, list) else [rule.value]
    if rule.spec.name == "payer":
        positive = or_(*(payer_condition(v, today) for v in values))
        return not_(positive) if rule.op in ("ne", "not_in") else positive
    column = col(Customer.status) if rule.spec.name == "status" else col(Customer.kind)
    positive = column.in_(values) if len(values) > 1 else column == values[0]
    return not_(positive) if rule.op in ("ne", "not_in") else positive


def _compile_text(rule: CleanRule, _today: date, _semi: bool) -> ColumnElement[bool]:
    column = col(Customer.industry)
    lowered = func.lower(column)
    if rule.op == "is_empty":
        return or_(column.is_(None), column == "")
    if rule.op == "is_set":
        return and_(column.is_not(None), column != "")
    if rule.op in ("eq", "ne", "in", "not_in"):
        values: list[str] = rule.value if isinstance(rule.value, list) else [rule.value]
        positive = or_(*(lowered == func.lower(v) for v in values))
        return _nullable_negation(column, positive) if rule.op in ("ne", "not_in") else positive
    value: str = rule.value
    if rule.op == "starts_with":
        return column.istartswith(value, autoescape=True)
    positive = column.icontains(value, autoescape=True)
    return _nullable_negation(column, positive) if rule.op == "not_contains" else positive


def _has(rows: Select[Any], customer_id: Any, *, negate: bool, semi: bool) -> ColumnElement[bool]:
    """The customer has a row in `rows` (ids in `customer_id`).

    `semi=True` (counting members) asks `customer.id IN (SELECT ...)`: the
    database builds the set once (SQLite an ephemeral index, PostgreSQL a
    semi-join) instead of probing per customer. Negations stay NOT EXISTS:
    PostgreSQL cannot turn NOT IN into an anti-join, and a large NOT IN list
    that outgrows work_mem is re-scanned for every row. `semi=False` (the
    list, which checks only the rows it shows) probes per row.
    """
    if semi and not negate:
        return col(Customer.id).in_(rows)
    found = exists(rows.where(customer_id == col(Customer.id)))
    return not_(found) if negate else found


def _compile_country(rule: CleanRule, _today: date, semi: bool) -> ColumnElement[bool]:
    # `= true`, not `IS true`: the partial index ix_address_billing_country matches it.
    billing = select(col(Address.customer_id)).where(col(Address.is_default_billing) == true())
    if rule.op in ("is_set", "is_empty"):
        return _has(billing, col(Address.customer_id), negate=rule.op == "is_empty", semi=semi)
    values: list[str] = rule.value if isinstance(rule.value, list) else [rule.value]
    matching = billing.where(func.upper(col(Address.country)).in_(values))
    negate = rule.op in ("ne", "not_in")
    return _has(matching, col(Address.customer_id), negate=negate, semi=semi)


def _compile_tag(rule: CleanRule, _today: date, semi: bool) -> ColumnElement[bool]:
    tagged = select(col(CustomerTag.customer_id))
    if rule.op in ("is_set", "is_empty"):
        return _has(tagged, col(CustomerTag.customer_id), negate=rule.op == "is_empty", semi=semi)
    values: list[str] = rule.value if isinstance(rule.value, list) else [rule.value]
    keys = [text_key(v) for v in values]
    tag_ids = select(col(Tag.id)).where(col(Tag.name_key).in_(keys))
    matching = tagged.where(col(CustomerTag.tag_id).in_(tag_ids))
    negate = rule.op in ("ne", "not_in")
    return _has(matching, col(CustomerTag.customer_id), negate=negate, semi=semi)


def _compile_group(rule: CleanRule, _today: date, _semi: bool) -> ColumnElement[bool]:
    column = col(Customer.billing_group_id)
    if rule.op == "is_set":
        return column.is_not(None)
    if rule.op == "is_empty":
        return column.is_(None)
    values: list[str] = rule.value if isinstance(rule.value, list) else [rule.value]
    group_ids = select(col(BillingGroup.id)).where(
        func.lower(col(BillingGroup.name)).in_([func.lower(v) for v in values])
    )
    positive = column.in_(group_ids)
    return _nullable_negation(column, positive) if rule.op in ("ne", "not_in") else positive


def _number_column(name: str) -> Any:
    if name == "loyalty_points":
        return col(Customer.loyalty_points)
    if name == "subscriptions":
        return col(CustomerSummary.active_subscriptions) + col(CustomerSummary.ended_subscriptions)
    return {
        "lifetime_value": col(CustomerSummary.lifetime_value),
        "outstanding_balance": col(CustomerSummary.outstanding_balance),
        "active_subscriptions": col(CustomerSummary.active_subscriptions),
    }[name]


def _compile_number(rule: CleanRule, today: date, _semi: bool) -> ColumnElement[bool]:
    if rule.spec.name == "days_overdue":
        return days_overdue_condition(rule.op, rule.value, today)
    column = _number_column(rule.spec.name)
    value = rule.value
    comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
        "gt": lambda: column > value,
        "gte": lambda: column >= value,
        "lt": lambda: column < value,
        "lte": lambda: column <= value,
        "eq": lambda: column == value,
        "ne": lambda: column != value,
        "between": lambda: and_(column >= value[0], column <= value[1]),
    }
    return comparisons[rule.op]()


def _compile_date(rule: CleanRule, today: date, _semi: bool) -> ColumnElement[bool]:
    column = (
        col(Customer.created_at)
        if rule.spec.name == "created"
        else col(CustomerSummary.last_purchase_at)
    )
    value = rule.value
    if rule.op == "is_empty":
        return column.is_(None)
    if rule.op == "is_set":
        return column.is_not(None)
    if rule.op == "before":
        return column < start_of(value)
    if rule.op == "after":
        return column >= start_of(value + timedelta(days=1))
    if rule.op == "on":
        return and_(column >= start_of(value), column < start_of(value + timedelta(days=1)))
    if rule.op == "between":
        return and_(column >= start_of(value[0]), column < start_of(value[1] + timedelta(days=1)))
    cutoff = start_of(today - timedelta(days=value))
    if rule.op == "within_days":
        return and_(column >= cutoff, column < start_of(today + timedelta(days=1)))
    return column < cutoff  # older_than_days


def _negate_if(negate: bool, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return not_(condition) if negate else condition


def _compile_days(rule: CleanRule, today: date, semi: bool) -> ColumnElement[bool]:
    cutoff_day = today - timedelta(days=rule.value)
    negate = rule.op == "not_within"
    if rule.spec.name == "failed_payment":
        failed = select(col(Payment.customer_id)).where(
            col(Payment.status) == PaymentStatus.FAILED,
            col(Payment.paid_at) >= start_of(cutoff_day),
            col(Payment.paid_at) < start_of(today + timedelta(days=1)),
        )
        return _has(failed, col(Payment.customer_id), negate=negate, semi=semi)
    # The customer's earliest subscription started inside the window: one started
    # in it, and none before it.
    if semi and not negate:
        # From the window's starts (ix_subscription_start: a month of a million
        # customers' starts is a few thousand rows), not every customer's minimum.
        started = Subscription.__table__.alias("started")  # type: ignore[attr-defined]
        earlier_start = exists(
            select(col(Subscription.id)).where(
                col(Subscription.customer_id) == started.c.customer_id,
                col(Subscription.start_date) < cutoff_day,
            )
        )
        newcomers = select(started.c.customer_id).where(
            started.c.start_date >= cutoff_day,
            started.c.start_date <= today,
            not_(earlier_start),
        )
        return col(Customer.id).in_(newcomers)
    recent = exists(
        select(col(Subscription.id)).where(
            col(Subscription.customer_id) == col(Customer.id),
            col(Subscription.start_date) >= cutoff_day,
            col(Subscription.start_date) <= today,
        )
    )
    earlier = exists(
        select(col(Subscription.id)).where(
            col(Subscription.customer_id) == col(Customer.id),
            col(Subscription.start_date) < cutoff_day,
        )
    )
    return _negate_if(negate, and_(recent, not_(earlier)))


_COMPILERS: dict[FieldType, Compiler] = {
    FieldType.CHOICE: _compile_choice,
    FieldType.TEXT: _compile_text,
    FieldType.COUNTRY: _compile_country,
    FieldType.TAG: _compile_tag,
    FieldType.GROUP: _compile_group,
    FieldType.MONEY: _compile_number,
    FieldType.NUMBER: _compile_number,
    FieldType.DATE: _compile_date,
    FieldType.DAYS: _compile_days,
}
