"""Dynamic segment rules: parse, validate and compile to SQLAlchemy expressions.

A rule set is JSON: {"match": "all"|"any", "rules": [{"field", "op", "value"}]}.
Each field has a type, and each type a closed list of operators; values are
parsed into Python values (Decimal, int, date, lists of strings) and only ever
reach the database as bound parameters. Nothing here evaluates text or builds
SQL from strings, so a value such as `'; DROP TABLE customer;--` is just a
value, and `%`/`_` in a "contains" value match themselves (LIKE is escaped).

Dates are whole days in UTC: "created before 2025-01-31" means before that
day began. Relative operators ("in the last 30 days") count back from the
`today` passed to `compile_rules`, so results are reproducible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true
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
from crm_tui.models.enums import CustomerKind, CustomerStatus, PaymentStatus
from crm_tui.services.common import not_merged, start_of
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text, parse_amount, parse_date, text_key

MAX_RULES = 50
MAX_LIST = 100
MAX_DAYS = 36_500


class FieldType(StrEnum):
    """How a field's value is typed and which operators it takes."""

    CHOICE = "choice"  # a closed vocabulary (status, kind)
    TEXT = "text"  # free text on the customer (industry)
    COUNTRY = "country"  # ISO code of the default billing address
    TAG = "tag"  # a tag name
    GROUP = "group"  # a billing group name
    MONEY = "money"  # an amount from the summary
    NUMBER = "number"  # a whole number
    DATE = "date"  # a day
    DAYS = "days"  # "in the last N days" facts


OPS_BY_TYPE: dict[FieldType, tuple[str, ...]] = {
    FieldType.CHOICE: ("eq", "ne", "in", "not_in"),
    FieldType.TEXT: (
        "eq",
        "ne",
        "contains",
        "not_contains",
        "starts_with",
        "in",
        "not_in",
        "is_set",
        "is_empty",
    ),  # fmt: skip
    FieldType.COUNTRY: ("eq", "ne", "in", "not_in", "is_set", "is_empty"),
    FieldType.TAG: ("eq", "ne", "in", "not_in", "is_set", "is_empty"),
    FieldType.GROUP: ("eq", "ne", "in", "not_in", "is_set", "is_empty"),
    FieldType.MONEY: ("gt", "gte", "lt", "lte", "eq", "ne", "between"),
    FieldType.NUMBER: ("gt", "gte", "lt", "lte", "eq", "ne", "between"),
    FieldType.DATE: ("before", "after", "on", "between", "within_days", "older_than_days"),
    FieldType.DAYS: ("within", "not_within"),
}

OP_LABELS: dict[str, str] = {
    "eq": "is", "ne": "is not", "in": "is one of", "not_in": "is none of",
    "contains": "contains", "not_contains": "does not contain", "starts_with": "starts with",
    "is_set": "is set", "is_empty": "is empty",
    "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "between": "between",
    "before": "before", "after": "after", "on": "on",
    "within_days": "in the last N days", "older_than_days": "more than N days ago",
    "within": "in the last N days", "not_within": "not in the last N days",
}  # fmt: skip
# Where the generic words read badly for one type.
OP_LABELS_BY_TYPE: dict[FieldType, dict[str, str]] = {
    FieldType.TAG: {
        "eq": "has", "ne": "does not have", "in": "has any of", "not_in": "has none of",
        "is_set": "has any tag", "is_empty": "has no tags",
    },
    FieldType.GROUP: {"is_set": "is in a group", "is_empty": "is in no group"},
    FieldType.COUNTRY: {"is_set": "has a billing address", "is_empty": "has no billing address"},
    FieldType.MONEY: {"eq": "=", "ne": "!="},
    FieldType.NUMBER: {"eq": "=", "ne": "!="},
}  # fmt: skip
NO_VALUE_OPS = frozenset({"is_set", "is_empty"})
LIST_OPS = frozenset({"in", "not_in"})


@dataclass(frozen=True)
class FieldSpec:
    """One field a rule can test."""

    name: str
    label: str
    type: FieldType
    choices: tuple[str, ...] = ()
    hint: str = ""
    # Date fields that may be missing ("never purchased") take is_empty/is_set too.
    nullable: bool = False

    @property
    def ops(self) -> tuple[str, ...]:
        ops = OPS_BY_TYPE[self.type]
        if self.type == FieldType.DATE and self.nullable:
            ops = (*ops, "is_empty", "is_set")
        return ops

    def op_label(self, op: str) -> str:
        if self.type == FieldType.DATE and op in NO_VALUE_OPS:
            return "never" if op == "is_empty" else "ever"
        return OP_LABELS_BY_TYPE.get(self.type, {}).get(op, OP_LABELS.get(op, op))


_STATUSES = tuple(s.value for s in CustomerStatus if s != CustomerStatus.MERGED)
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("status", "Status", FieldType.CHOICE, _STATUSES, "e.g. active"),
        FieldSpec("kind", "Kind", FieldType.CHOICE, tuple(k.value for k in CustomerKind), "individual or business"),
        FieldSpec("industry", "Industry", FieldType.TEXT, hint="e.g. Retail"),
        FieldSpec("tag", "Tag", FieldType.TAG, hint="a tag name"),
        FieldSpec("billing_group", "Billing group", FieldType.GROUP, hint="a billing group name"),
        FieldSpec("country", "Country", FieldType.COUNTRY, hint="ISO code, e.g. GB"),
        FieldSpec("lifetime_value", "Lifetime value", FieldType.MONEY, hint="e.g. 1000"),
        FieldSpec("outstanding_balance", "Outstanding balance", FieldType.MONEY, hint="e.g. 50"),
        FieldSpec("active_subscriptions", "Active subscriptions", FieldType.NUMBER, hint="e.g. 2"),
        FieldSpec("subscriptions", "Subscriptions (ever)", FieldType.NUMBER, hint="e.g. 2"),
        FieldSpec("loyalty_points", "Loyalty points", FieldType.NUMBER, hint="e.g. 500"),
        FieldSpec("last_purchase", "Last purchase", FieldType.DATE, hint="YYYY-MM-DD", nullable=True),
        FieldSpec("created", "Customer since", FieldType.DATE, hint="YYYY-MM-DD"),
        FieldSpec("failed_payment", "Failed payment", FieldType.DAYS, hint="days, e.g. 30"),
        FieldSpec("first_subscription", "First subscription", FieldType.DAYS, hint="days, e.g. 30"),
    )
}  # fmt: skip
# Fields read from customer_summary: the member query joins it only when needed.
SUMMARY_FIELDS = frozenset(
    {
        "lifetime_value",
        "outstanding_balance",
        "active_subscriptions",
        "subscriptions",
        "last_purchase",
    }
)


@dataclass(frozen=True)
class Rule:
    """One condition as stored: the value is kept as typed (text or a list of texts)."""

    field: str
    op: str
    value: str | list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class RuleSet:
    """Rules combined with all (and) or any (or)."""

    match: str = "all"
    rules: tuple[Rule, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {"match": self.match, "rules": [r.as_dict() for r in self.rules]}, ensure_ascii=False
        )


@dataclass(frozen=True)
class CleanRule:
    """A rule whose value has been parsed for its field."""

    spec: FieldSpec
    op: str
    value: Any = None


@dataclass(frozen=True)
class CleanRuleSet:
    match: str
    rules: tuple[CleanRule, ...] = field(default_factory=tuple)

    @property
    def needs_summary(self) -> bool:
        return any(r.spec.name in SUMMARY_FIELDS for r in self.rules)


# --- parsing ------------------------------------------------------------------


RulesInput = RuleSet | dict[str, Any] | str | None


def parse_rules(raw: RulesInput) -> RuleSet:
    """The stored or submitted form as a RuleSet; structure only, values unchecked."""
    if isinstance(raw, RuleSet):
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return RuleSet()
    data: object = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValidationError("rules", "The segment rules are not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ValidationError("rules", "The segment rules must be an object with match and rules.")
    match = data.get("match", "all")
    if match not in ("all", "any"):
        raise ValidationError("rules.match", "Match must be 'all' or 'any'.")
    items = data.get("rules", [])
    if not isinstance(items, list):
        raise ValidationError("rules", "The segment rules must be a list.")
    rules: list[Rule] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"rules.{index}", f"Rule {index} must be an object.")
        value = item.get("value")
        if isinstance(value, list):
            value = [str(v) for v in value]
        elif value is not None:
            value = str(value)
        rules.append(
            Rule(field=str(item.get("field", "")), op=str(item.get("op", "")), value=value)
        )
    return RuleSet(match=match, rules=tuple(rules))


def clean_rules(raw: RulesInput, *, require_rules: bool = True) -> CleanRuleSet:
    """Validate every rule; raises ValidationError naming the first bad one."""
    ruleset = parse_rules(raw)
    if require_rules and not ruleset.rules:
        raise ValidationError("rules", "Add at least one rule to a dynamic segment.")
    if len(ruleset.rules) > MAX_RULES:
        raise ValidationError("rules", f"A segment can have at most {MAX_RULES} rules.")
    return CleanRuleSet(
        match=ruleset.match,
        rules=tuple(clean_rule(rule, index) for index, rule in enumerate(ruleset.rules, start=1)),
    )


def clean_rule(rule: Rule, index: int) -> CleanRule:
    spec = FIELDS.get(rule.field)
    where = f"rules.{index}"
    if spec is None:
        raise ValidationError(f"{where}.field", f"Rule {index}: choose a field to test.")
    if rule.op not in spec.ops:
        raise ValidationError(
            f"{where}.op", f"Rule {index}: choose how to compare the {spec.label.lower()}."
        )
    if rule.op in NO_VALUE_OPS:
        return CleanRule(spec, rule.op, None)
    try:
        value = _clean_value(spec, rule.op, rule.value)
    except ValidationError as exc:
        raise ValidationError(f"{where}.value", f"Rule {index}: {exc.message}") from exc
    return CleanRule(spec, rule.op, value)


def _items(raw: str | list[str] | None) -> list[str]:
    if raw is None:
        return []
    parts = raw if isinstance(raw, list) else raw.split(",")
    return [p.strip() for p in parts if p.strip()]


def _range(raw: str | list[str] | None) -> list[str]:
    """'100..500', '100 - 500', '100 and 500' or ['100', '500']."""
    if isinstance(raw, list):
        return [p.strip() for p in raw]
    text = (raw or "").strip()
    parts = re.split(r"\s*(?:\.\.|\band\b|\s-\s|–|,)\s*", text)
    return [p for p in parts if p]


def _clean_value(spec: FieldSpec, op: str, raw: str | list[str] | None) -> Any:
    name = spec.label.lower()
    if spec.type in (FieldType.MONEY, FieldType.NUMBER, FieldType.DATE) and op == "between":
        parts = _range(raw)
        if len(parts) != 2:
            raise ValidationError("value", f"give two values for the {name}, like 100..500.")
        low, high = (_scalar(spec, op, p) for p in parts)
        if high < low:
            raise ValidationError("value", f"the first {name} must not be above the second.")
        return [low, high]
    if op in LIST_OPS:
        items = _items(raw)
        if not items:
            raise ValidationError(
                "value", f"give one or more values for the {name}, separated by commas."
            )
        if len(items) > MAX_LIST:
            raise ValidationError("value", f"give at most {MAX_LIST} values.")
        return [_scalar(spec, op, item) for item in items]
    if isinstance(raw, list):
        raise ValidationError("value", f"give a single value for the {name}.")
    return _scalar(spec, op, raw)


def _scalar(spec: FieldSpec, op: str, raw: str | None) -> Any:
    name = spec.label.lower()
    if spec.type == FieldType.CHOICE:
        text = clean_text(spec.name, raw, max_len=64)
        for choice in spec.choices:
            if text is not None and text.casefold() == choice.casefold():
                return choice
        raise ValidationError("value", f"the {name} must be one of: {', '.join(spec.choices)}.")
    if spec.type in (FieldType.TEXT, FieldType.TAG, FieldType.GROUP):
        text = clean_text(spec.name, raw, max_len=200)
        if text is None:
            raise ValidationError("value", f"type the {name} to compare with.")
        return text
    if spec.type == FieldType.COUNTRY:
        text = (clean_text(spec.name, raw, max_len=8) or "").upper()
        if not re.fullmatch(r"[A-Z]{2}", text):
            raise ValidationError("value", "the country must be a two-letter ISO code, like GB.")
        return text
    if spec.type == FieldType.MONEY:
        return parse_amount(raw, spec.label.lower())
    if spec.type == FieldType.DAYS or op in ("within_days", "older_than_days"):
        return _whole(raw, "number of days", minimum=1, maximum=MAX_DAYS)
    if spec.type == FieldType.NUMBER:
        return _whole(raw, name, minimum=0, maximum=2_000_000_000)
    day = parse_date(raw, spec.label.lower(), required=True)
    assert day is not None
    return day


def _whole(raw: str | None, name: str, *, minimum: int, maximum: int) -> int:
    text = (raw or "").strip().replace(",", "")
    if not re.fullmatch(r"\d{1,12}", text):
        raise ValidationError("value", f"the {name} must be a whole number, like 30.")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValidationError("value", f"the {name} must be between {minimum} and {maximum:,}.")
    return value


# --- compiling ----------------------------------------------------------------


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
    return query.where(not_merged(), compile_rules(ruleset, today=today))


def count_query(ruleset: CleanRuleSet, *, today: date) -> Select[Any]:
    query = select(func.count()).select_from(Customer)
    if ruleset.needs_summary:
        query = query.join(CustomerSummary, col(CustomerSummary.customer_id) == col(Customer.id))
    return query.where(not_merged(), compile_rules(ruleset, today=today))


Compiler = Callable[[CleanRule, date, bool], ColumnElement[bool]]


def _compile(rule: CleanRule, today: date, semi: bool) -> ColumnElement[bool]:
    compiler = _COMPILERS[rule.spec.type]
    return compiler(rule, today, semi)


def _nullable_negation(column: Any, positive: ColumnElement[bool]) -> ColumnElement[bool]:
    """ "is not X" includes rows where the column is empty: SQL's NULL != X would not."""
    return or_(column.is_(None), not_(positive))


def _compile_choice(rule: CleanRule, _today: date, _semi: bool) -> ColumnElement[bool]:
    column = col(Customer.status) if rule.spec.name == "status" else col(Customer.kind)
    values = rule.value if isinstance(rule.value, list) else [rule.value]
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
    billing = select(col(Address.customer_id)).where(col(Address.is_default_billing).is_(True))
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


def _compile_number(rule: CleanRule, _today: date, _semi: bool) -> ColumnElement[bool]:
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
    # The customer's earliest subscription started inside the window.
    if semi and not negate:
        first = func.min(col(Subscription.start_date))
        newcomers = (
            select(col(Subscription.customer_id))
            .group_by(col(Subscription.customer_id))
            .having(first >= cutoff_day, first <= today)
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


# --- describing ---------------------------------------------------------------


def describe_rule(rule: Rule) -> str:
    """'lifetime value > 1000', for lists and summaries (plain text, never markup)."""
    spec = FIELDS.get(rule.field)
    if spec is None:
        return f"{rule.field} {rule.op} {rule.value}"
    words = f"{spec.label.lower()} {spec.op_label(rule.op)}"
    if spec.type == FieldType.DAYS:
        label = {"within": "in the last", "not_within": "not in the last"}.get(rule.op, rule.op)
        return f"{spec.label.lower()} {label} {rule.value} days"
    if rule.op in ("within_days", "older_than_days"):
        label = "in the last" if rule.op == "within_days" else "more than"
        tail = " days" if rule.op == "within_days" else " days ago"
        return f"{spec.label.lower()} {label} {rule.value}{tail}"
    if rule.op in NO_VALUE_OPS:
        return words
    value = ", ".join(rule.value) if isinstance(rule.value, list) else (rule.value or "")
    if rule.op == "between" and isinstance(rule.value, list):
        value = " and ".join(rule.value)
    return f"{words} {value}"


def describe(ruleset: RuleSet) -> str:
    if not ruleset.rules:
        return "no rules yet"
    joiner = " and " if ruleset.match == "all" else " or "
    return joiner.join(describe_rule(r) for r in ruleset.rules)


def _rule_values(rule: Rule) -> list[str]:
    if isinstance(rule.value, list):
        return rule.value
    if rule.value is None:
        return []
    return _items(rule.value) if rule.op in LIST_OPS else [rule.value]


def replace_value(
    ruleset: RuleSet, field_name: str, old: str, new: str | None
) -> tuple[RuleSet, bool]:
    """The rules with every `old` (compared casefolded) on `field_name` renamed to `new`.

    Used when a tag or billing group is renamed or merged, so segments keep
    pointing at it. `new=None` leaves the rules as they are (nothing to point at).
    """
    if new is None:
        return ruleset, False
    key = text_key(old)
    changed = False
    rules: list[Rule] = []
    for rule in ruleset.rules:
        if rule.field != field_name or rule.value is None:
            rules.append(rule)
            continue
        values = _rule_values(rule)
        renamed = [new if text_key(v) == key else v for v in values]
        if renamed != values:
            changed = True
            deduped = list(dict.fromkeys(renamed))
            value: str | list[str] = deduped if isinstance(rule.value, list) else ", ".join(deduped)
            rules.append(Rule(rule.field, rule.op, value))
        else:
            rules.append(rule)
    return RuleSet(ruleset.match, tuple(rules)), changed


def uses_value(ruleset: RuleSet, field_name: str, name: str) -> bool:
    """Whether any rule on `field_name` names `name` (compared casefolded)."""
    key = text_key(name)
    for rule in ruleset.rules:
        if rule.field == field_name and rule.value is not None:
            values = _rule_values(rule)
            if any(text_key(v) == key for v in values):
                return True
    return False
