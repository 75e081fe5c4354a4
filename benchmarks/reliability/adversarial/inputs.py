"""Adversarial cases 4 and 7: card numbers in every stored text, numbers past every limit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from benchmarks.reliability.adversarial.common import CaseResult, Size, fresh
from crm_tui.models import ChangeRecord
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    NoteCreate,
)
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

CARD = "4111 1111 1111 1111"
SPELLINGS = [
    "+4111 1111 1111 1111",
    "4111\u200b1111\u200b1111\u200b1111",  # zero-width spaces
    "4111    1111    1111    1111",  # four spaces
    "4111\u00ad1111\u00ad1111\u00ad1111",  # soft hyphens
    "4111\u20601111\u20601111\u20601111",  # word joiners
    "4111\n1111\n1111\n1111",
    "4111\u200d1111\ufeff1111\u180e1111",  # joiner, BOM, Mongolian vowel separator
    "4111\u20101111\u20111111\u22121111",  # hyphen, non-breaking hyphen, minus
    "4111\u00b71111\u30fb1111\uff0e1111",  # middle dots, full-width stop
    "4111+1111+1111+1111",
    "4111\u2028\u20291111\r\n1111\u00851111",  # line and paragraph separators, CRLF, NEL
]


def _entry_points(s: Services) -> dict[str, Callable[[int, str], object]]:
    return {
        "note title": lambda c, t: s.notes.add(c, NoteCreate(title=t)),
        "note body": lambda c, t: s.notes.add(c, NoteCreate(title="Call", body=t)),
        "address": lambda c, t: s.addresses.add(c, AddressCreate(line1=t, city="Leeds")),
        "company": lambda c, t: s.customers.create(CustomerCreate(kind="business", company_name=t)),
        "contact title": lambda c, t: s.contacts.add(c, ContactCreate(first_name="Ed", title=t)),
        "payment reference": lambda c, t: s.billing.record_payment(
            c, PaymentCreate(amount="1", reference=t)
        ),
        "card holder": lambda c, t: s.billing.add_payment_method(
            c,
            PaymentMethodCreate(
                brand="Visa",
                bin="411111",
                last4="1111",
                exp_month=1,
                exp_year=2030,
                holder_name=t,
            ),
        ),  # fmt: skip
        "order item": lambda c, t: s.billing.add_order(
            c, OrderCreate(items=[OrderItemCreate(description=t, unit_price="1")])
        ),
        "asset serial": lambda c, t: s.billing.add_subscription(
            c,
            SubscriptionCreate(
                product="Router",
                monthly_amount="1",
                start_date="2025-01-01",
                asset_serial=t,
            ),
        ),  # fmt: skip
        "tag": lambda c, t: s.customers.set_tags(c, [t]),
    }


def cards_everywhere(url: str, folder: Path, size: Size) -> CaseResult:
    """Every spelling of a card number is refused in every stored free-text field."""
    result = CaseResult("4. card numbers refused in every field, any separator")
    del size
    with fresh(url, folder / "cards") as services:
        cid = services.customers.create(CustomerCreate(first_name="Card", last_name="Holder")).id
        for field, store in _entry_points(services).items():
            for text in SPELLINGS:
                try:
                    store(cid, text)
                except ValidationError:
                    result.attempt(True)
                except Exception as exc:  # a crash is a failure too
                    result.attempt(False, f"{field} {text!r}: {exc!r}")
                else:
                    result.attempt(False, f"{field} stored {text!r}")
        path = folder / f"{CARD}.csv"
        path.write_text("First name,Email\nFile,file@cards.example\n", encoding="utf-8")
        ImportService(services.ctx).run(path)
        with services.ctx.read() as session:
            logged = list(session.scalars(select(col(ChangeRecord.new_value)).where(
                col(ChangeRecord.new_value).like("%1111%"))))  # fmt: skip
        result.attempt(not logged, f"file name in history: {logged[:1]}")
    return result


CARD_FIELDS: dict[str, Any] = {"brand": "Visa", "bin": "411111", "last4": "1111", "exp_month": 1,
                               "holder_name": "A B"}  # fmt: skip
# Inputs past their documented range (README, "Input ranges"), each given the services
# and a customer; each must be refused with a ValidationError. tests/services/
# test_input_ranges.py runs them one by one too.
NUMERIC_INPUTS: dict[str, Callable[[Services, int], object]] = {
        "amount 1e309": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1e309")),
        "amount -1e309": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="-1e309")),
        "amount NaN": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="NaN")),
        "amount sNaN": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="sNaN")),
        "amount Infinity": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="Infinity")),
        "amount 10^12": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1000000000000")),
        "amount 1e-9": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1e-9")),
        "paid 0001-01-01": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1", paid_at="0001-01-01")),
        "paid 9999-12-31": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1", paid_at="9999-12-31")),
        "loyalty 2^31": lambda s, cid: s.customers.create(CustomerCreate(first_name="L", loyalty_points=2**31)),
        "loyalty 2^63": lambda s, cid: s.customers.create(CustomerCreate(first_name="L", loyalty_points=str(2**63))),
        "loyalty 10^23": lambda s, cid: s.customers.create(CustomerCreate(first_name="L", loyalty_points="1" + "0" * 23)),
        "quantity 10^12": lambda s, cid: s.billing.add_order(cid, OrderCreate(items=[OrderItemCreate(description="Cable", quantity=10**12, unit_price="1")])),
        "order total 10^15": lambda s, cid: s.billing.add_order(cid, OrderCreate(items=[OrderItemCreate(description="Gold", quantity=1000, unit_price="999999999999.99")])),
        "expiry year 10^12": lambda s, cid: s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD_FIELDS, exp_year=10**12)),
        "expiry year 1999": lambda s, cid: s.billing.add_payment_method(cid, PaymentMethodCreate(**CARD_FIELDS, exp_year=1999)),
        "subscription start 0001-01-01": lambda s, cid: s.billing.add_subscription(
            cid, SubscriptionCreate(product="R", monthly_amount="1", start_date="0001-01-01")),
        "birth 9999-12-31": lambda s, cid: s.customers.create(CustomerCreate(first_name="B", date_of_birth="9999-12-31")),
        "follow-up 9999-12-31": lambda s, cid: s.notes.add(cid, NoteCreate(title="Call", follow_up_on="9999-12-31")),
        "payment link 2^40": lambda s, cid: s.billing.record_payment(cid, PaymentCreate(amount="1", order_id=2**40)),
}  # fmt: skip


def numbers_past_limits(url: str, folder: Path, size: Size) -> CaseResult:
    """Each out-of-range number is refused with one sentence; a largest payment does not jam."""
    result = CaseResult("7. numbers past their range are refused, sums fit")
    del size
    with fresh(url, folder / "numbers") as services:
        cid = services.customers.create(CustomerCreate(first_name="Big", last_name="Spender")).id
        for name, call in NUMERIC_INPUTS.items():
            try:
                call(services, cid)
            except ValidationError as exc:
                result.attempt(bool(exc.message), name)
            except Exception as exc:  # a crash is a failure
                result.attempt(False, f"{name}: {exc!r}")
            else:
                result.attempt(False, f"{name} was accepted")
        for n in range(3):  # the largest payment, three times: the summary must hold the sum
            try:
                services.billing.record_payment(cid, PaymentCreate(amount="999999999999.99"))
                result.attempt(True)
            except Exception as exc:
                result.attempt(False, f"largest payment {n + 1}: {exc!r}")
        try:
            services.billing.record_payment(cid, PaymentCreate(amount="1.00"))
            result.attempt(True)
        except Exception as exc:
            result.attempt(False, f"a payment after the largest: {exc!r}")
    return result
