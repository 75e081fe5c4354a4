"""Segment rules on payment behaviour: on-time, late and partial payers; days overdue.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services

AS_OF = date(2026, 5, 1)


@pytest.fixture
def payers(services: Services) -> dict[str, int]:
    """prompt paid on time; slow paid after the due date; owing is 30 days overdue now;
    halfway partly paid (not yet due); fresh has an invoice not yet due; none has no invoices."""
    ids = {n: services.customers.create(CustomerCreate(first_name=n, email=f"{n}@example.com")).id
           for n in ("prompt", "slow", "owing", "halfway", "fresh", "none")}  # fmt: skip

    def invoice(name: str, on: date, price: str = "10.00") -> None:
        draft = services.invoices.create_draft(ids[name], [LineInput("Service", price)])
        services.invoices.issue(draft.id, on=on)

    invoice("prompt", date(2026, 3, 1))
    services.billing.record_payment(
        ids["prompt"], PaymentCreate(amount="10.00", paid_at="2026-03-01")
    )
    invoice("slow", date(2026, 3, 1))
    services.billing.record_payment(
        ids["slow"], PaymentCreate(amount="10.00", paid_at="2026-03-20")
    )
    invoice("owing", date(2026, 4, 1))
    invoice("halfway", date(2026, 5, 1))
    services.billing.record_payment(
        ids["halfway"], PaymentCreate(amount="4.00", paid_at="2026-05-01")
    )
    invoice("fresh", date(2026, 5, 1))
    return ids


def members(services: Services, field: str, op: str, value: Any) -> set[str]:
    spec = {"match": "all", "rules": [{"field": field, "op": op, "value": value}]}
    segment = services.segments.create(f"{field}-{op}-{value}", kind="dynamic", rules=spec)
    found = {m.name for m in services.segments.members(segment.id, as_of=AS_OF)}
    assert services.segments.preview_count(spec, as_of=AS_OF) == len(found)
    return found


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("payer", "eq", "late", {"slow", "owing"}),
        ("payer", "eq", "partial", {"halfway"}),
        ("payer", "eq", "on-time", {"prompt", "fresh"}),
        ("payer", "ne", "late", {"prompt", "halfway", "fresh", "none"}),
        ("payer", "in", ["late", "partial"], {"slow", "owing", "halfway"}),
        ("days_overdue", "gte", "30", {"owing"}),
        ("days_overdue", "gt", "30", set()),
        ("days_overdue", "eq", "0", {"prompt", "slow", "halfway", "fresh", "none"}),
        ("days_overdue", "between", ["1", "60"], {"owing"}),
    ],
)
def test_payment_behaviour_rules(
    services: Services, payers: dict[str, int], field: str, op: str, value: Any, expected: set[str]
) -> None:
    """Each payment-behaviour rule selects exactly the hand-counted customers."""
    assert members(services, field, op, value) == expected
