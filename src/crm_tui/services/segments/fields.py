"""The fields a segment rule can test, each with its type and operators."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crm_tui.models.enums import CustomerKind, CustomerStatus

PAYER_KINDS = ("on-time", "late", "partial")  # see payer_rules.py

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
        FieldSpec("lifetime_value", "Lifetime value", FieldType.MONEY, hint="reporting currency, e.g. 1000"),
        FieldSpec("outstanding_balance", "Outstanding balance", FieldType.MONEY, hint="reporting currency, e.g. 50"),
        FieldSpec("active_subscriptions", "Active subscriptions", FieldType.NUMBER, hint="e.g. 2"),
        FieldSpec("subscriptions", "Subscriptions (ever)", FieldType.NUMBER, hint="e.g. 2"),
        FieldSpec("loyalty_points", "Loyalty points", FieldType.NUMBER, hint="e.g. 500"),
        FieldSpec("last_purchase", "Last purchase", FieldType.DATE, hint="YYYY-MM-DD", nullable=True),
        FieldSpec("created", "Customer since", FieldType.DATE, hint="YYYY-MM-DD"),
        FieldSpec("failed_payment", "Failed payment", FieldType.DAYS, hint="days, e.g. 30"),
        FieldSpec("payer", "Payer", FieldType.CHOICE, PAYER_KINDS, "on-time, late or partial"),
        FieldSpec("days_overdue", "Days overdue", FieldType.NUMBER, hint="oldest open invoice, e.g. 30"),
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
