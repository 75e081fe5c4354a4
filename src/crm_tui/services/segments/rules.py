"""Dynamic segment rules: parse, validate and describe (compiling is in `compiler`).

A rule set is JSON: {"match": "all"|"any", "rules": [{"field", "op", "value"}]}.
Each field has a type, and each type a closed list of operators (`fields`);
values are parsed into Python values (Decimal, int, date, lists of strings)
and only ever reach the database as bound parameters. Nothing here evaluates
text or builds SQL from strings, so a value such as `'; DROP TABLE customer;--`
is just a value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from crm_tui.services.errors import ValidationError
from crm_tui.services.segments.fields import (
    FIELDS,
    LIST_OPS,
    MAX_DAYS,
    MAX_LIST,
    MAX_RULES,
    NO_VALUE_OPS,
    SUMMARY_FIELDS,
    FieldSpec,
    FieldType,
)
from crm_tui.services.validation import clean_text, parse_amount, parse_date, text_key


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


# --- describing ---------------------------------------------------------------


def describe_rule(rule: Rule, currency: str = "") -> str:
    """'lifetime value > 1000', for lists and summaries (plain text, never markup).

    With `currency` (the reporting one), money values say it: 'lifetime value > GBP 1000'.
    """
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
    values = rule.value if isinstance(rule.value, list) else [rule.value or ""]
    if currency and spec.type == FieldType.MONEY:
        values = [f"{currency} {v}" for v in values]
    value = (" and " if rule.op == "between" and isinstance(rule.value, list) else ", ").join(
        values
    )
    return f"{words} {value}"


def describe(ruleset: RuleSet, currency: str = "") -> str:
    if not ruleset.rules:
        return "no rules yet"
    joiner = " and " if ruleset.match == "all" else " or "
    return joiner.join(describe_rule(r, currency) for r in ruleset.rules)


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
