"""Validation of a customer's own fields (one set of rules for create, edit, import)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm_tui.models.enums import CustomerKind, CustomerStatus, PaymentTerms
from crm_tui.services.emails import email_key, parse_email
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import parse_phone
from crm_tui.services.validation import (
    EARLIEST_DATE,
    MAX_LOYALTY_POINTS,
    clean_text,
    parse_channels,
    parse_choice,
    parse_currency,
    parse_date,
    parse_int,
    parse_vat,
    parse_website,
    text_key,
)

EDITABLE_FIELDS = (
    "kind", "status", "status_reason", "first_name", "last_name", "company_name",
    "email", "phone", "date_of_birth", "registration_number", "vat_id", "business_type",
    "industry", "website", "payment_terms", "billing_group_id", "segment", "loyalty_points",
    "language", "currency", "contact_channels", "owner",
)  # fmt: skip
BUSINESS_ONLY = (
    "company_name", "registration_number", "vat_id", "business_type", "industry",
    "website", "payment_terms", "billing_group_id",
)  # fmt: skip
SETTABLE_STATUSES = [s.value for s in CustomerStatus if s not in (CustomerStatus.MERGED,)]
# "name" is quick add's one field for first and last name together.
PERSON_NAME_FIELDS = ("name", "first_name", "last_name")


def name_warning(raw: Any) -> str | None:
    """A warning (never a refusal) for a person's name holding digits or an @.

    Such a name is allowed (a "3rd" or a handle can be real), but it is most
    often a phone number or an e-mail typed ahead into the wrong field.
    """
    name = str(raw or "")
    if "@" in name:
        return "This name holds an @: is part of an e-mail address in it? (It can be saved.)"
    if any(char.isdigit() for char in name):
        return "This name holds digits: is part of a phone number in it? (It can be saved.)"
    return None


def clean_field(field: str, raw: Any, region: str) -> Any:
    """Validate and normalise one field on its own (the UI calls this as a field is left)."""
    match field:
        case "kind":
            return parse_choice(raw, field, [k.value for k in CustomerKind])
        case "status":
            return parse_choice(raw, field, SETTABLE_STATUSES)
        case "email":
            return parse_email(raw)
        case "phone":
            return parse_phone(raw, region)
        case "date_of_birth":
            born = parse_date(raw, field)
            if born is not None and not (EARLIEST_DATE <= born <= date.today()):
                raise ValidationError(
                    field, f"The date of birth must be between {EARLIEST_DATE.year} and today."
                )
            return born
        case "vat_id":
            return parse_vat(raw)
        case "website":
            return parse_website(raw)
        case "payment_terms":
            return parse_choice(raw, field, [t.value for t in PaymentTerms], required=False)
        case "loyalty_points":
            return parse_int(raw, field, maximum=MAX_LOYALTY_POINTS)
        case "currency":
            return parse_currency(raw)
        case "contact_channels":
            return parse_channels(raw)
        case "billing_group_id":
            if raw in (None, ""):
                return None
            return parse_int(raw, field, minimum=1)
        case "language":
            return clean_text(field, raw, max_len=16)
        case "segment" | "owner":
            return clean_text(field, raw, max_len=120)
        case _:
            return clean_text(field, raw)


def check_whole(values: dict[str, Any]) -> None:
    """Rules across fields, on the merged record."""
    kind = values.get("kind")
    if kind == CustomerKind.BUSINESS:
        if not values.get("company_name"):
            raise ValidationError("company_name", "A business customer needs a company name.")
    else:
        if not values.get("first_name") and not values.get("last_name"):
            raise ValidationError(
                "first_name", "An individual customer needs a first or last name."
            )
        for field in BUSINESS_ONLY:
            if values.get(field):
                raise ValidationError(
                    field, f"The {field.replace('_', ' ')} applies to business customers only."
                )
    status = values.get("status")
    if status == CustomerStatus.BLOCKED and not values.get("status_reason"):
        raise ValidationError("status_reason", "Blocking a customer needs a reason.")
    if status != CustomerStatus.BLOCKED and status != CustomerStatus.MERGED:
        values["status_reason"] = None


def derived_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Columns computed from the fields: natural key, sort key, phone digits."""
    email = values.get("email")
    phone = values.get("phone")
    name_parts = [values.get("last_name"), values.get("first_name"), values.get("company_name")]
    if values.get("kind") == CustomerKind.BUSINESS:
        name_parts = [values.get("company_name"), values.get("last_name"), values.get("first_name")]
    sort_name = text_key(" ".join(p for p in name_parts if p))[:400]
    return {
        "email_key": email_key(email) if email else None,
        "phone_digits": phone.lstrip("+") if phone else None,
        "sort_name": sort_name,
    }


def clean_all(raw: dict[str, Any], region: str) -> dict[str, Any]:
    unknown = set(raw) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Unknown customer field {sorted(unknown)[0]!r}.")
    return {field: clean_field(field, value, region) for field, value in raw.items()}
