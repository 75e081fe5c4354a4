"""The lean read path of `crm show` gives the card the services give, on both engines.

The lean path (`services.card.lean`) runs the SQL compiled from the services'
expressions (`card/compiled.json`) through the DB-API driver; these tests keep
the file equal to the expressions and compare whole cards (every key of the
JSON, and so of the text) for customers of every kind the card shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from crm_tui.cli.show_command import customer_card, lean_card
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.card import lean
from crm_tui.services.card.compile import COMPILED, render
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    NoteCreate,
)
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.errors import NotFound
from crm_tui.services.merge.service import MergeService
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import Services, open_services
from tests.cli.test_lean_lookup import HEAVY


@pytest.fixture
def shop(db_url: str) -> Iterator[tuple[Settings, Services, dict[str, int]]]:
    """Demo customers (with invoices) and one customer of each kind the card treats apart."""
    settings = Settings(database_url=db_url, clerk="tester", default_region="GB")
    services = open_services(settings)
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15)).run(40)
    add = services.customers.create
    business = add(
        CustomerCreate(
            kind="business",
            company_name="Tejo Ferragens Lda",
            email="compras@tejo.example",
            phone="+351 212 345 678",
            tags=["wholesale", "Açores"],
            addresses=[
                AddressCreate(kind="shipping", line1="Cais 2", city="Lisboa", country="PT"),
                AddressCreate(
                    line1="Rua do Ouro 10",
                    line2="2º",
                    city="Lisboa",
                    postal_code="1100-060",
                    country="PT",
                    is_default_billing=True,
                ),  # fmt: skip
            ],
            contacts=[
                ContactCreate(first_name="Rui", last_name="Costa", title="Buyer"),
                ContactCreate(first_name="Ana", email="ana@tejo.example", is_primary=True),
            ],
            notes=[
                NoteCreate(title="Pays late", body="Call before shipping.", pinned=True),
                NoteCreate(title="Not pinned", body="-"),
            ],
        )
    )
    person = add(CustomerCreate(first_name="Zoë", last_name="O'Brien", phone="07911 123456"))
    loser = add(CustomerCreate(first_name="Zoe", last_name="OBrien", email="zoe@example.com"))
    erased = add(CustomerCreate(first_name="Gone", last_name="Away", email="gone@example.com"))
    rated = add(CustomerCreate(first_name="Multi", last_name="Rated", email="m@example.com"))
    unrated = add(CustomerCreate(first_name="No", last_name="Rate", email="n@example.com"))
    services.rates.set(RateInput("EUR", "0.85", "2020-01-01"))
    pay = services.billing.record_payment
    for day in range(1, 8):  # more than the card's five recent payments
        pay(rated.id, PaymentCreate(amount=f"{day}0.55", currency="EUR", paid_at=f"2025-03-0{day}"))
    pay(rated.id, PaymentCreate(amount="12.34", paid_at="2025-03-04"))
    pay(unrated.id, PaymentCreate(amount="99.99", currency="JPY", paid_at="2025-02-01"))
    pay(unrated.id, PaymentCreate(amount="5", paid_at="2025-02-02"))
    pay(erased.id, PaymentCreate(amount="7.50", paid_at="2025-02-03"))
    MergeService(services.ctx).merge([person.id, loser.id], keep=person.id)
    services.customers.erase(erased.id, confirm=erased.number)
    ids = {
        "business": business.id,
        "individual": person.id,
        "merged": loser.id,
        "erased": erased.id,
        "no payments": add(CustomerCreate(first_name="Fresh", email="f@example.com")).id,
        "rated": rated.id,
        "unrated": unrated.id,
    }
    yield settings, services, ids
    services.close()


def test_compiled_statements_match_the_service_expressions() -> None:
    """compiled.json is what the services' statements compile to (regenerate: python -m
    crm_tui.services.card.compile)."""
    assert COMPILED.read_text(encoding="utf-8") == render()


def test_lean_card_equals_the_service_card(
    shop: tuple[Settings, Services, dict[str, int]],
) -> None:
    """By number, id, e-mail and phone, for every kind of customer and some demo ones:
    the same card (figures, currency lines, lists and their order) both ways."""
    settings, services, ids = shop
    demo = [r.id for r in services.search.search("", limit=12).rows]
    seen: set[str] = set()
    for customer_id in [*ids.values(), *demo]:
        customer = services.customers.get(customer_id)
        references = [customer.number, str(customer.id), customer.email, customer.phone]
        for reference in filter(None, references):
            if reference == customer.phone and customer.status == "merged":
                continue  # a merged customer's phone may name its survivor first
            expected = customer_card(services, reference)
            assert lean_card(settings, reference) == expected, reference
            seen.add(expected["status"])
    card = lean_card(settings, str(ids["rated"]))
    assert [line["currency"] for line in card["figures"]["by_currency"]] == ["GBP", "EUR"]
    assert len(card["recent_payments"]) == 5
    unpriced = lean_card(settings, str(ids["unrated"]))["figures"]["by_currency"]
    assert [line["unpriced_payments"] for line in unpriced] == [0, 1]
    business = lean_card(settings, str(ids["business"]))
    assert business["primary_contact"]["name"] == "Ana"
    assert business["pinned_notes"][0]["title"] == "Pays late"
    assert business["default_billing_address"]["line1"] == "Rua do Ouro 10"
    assert {"active", "merged"} <= seen


@pytest.mark.parametrize("reference", ["C-999999", "nobody@example.com", "0", "+44 20 7946 0000"])
def test_no_such_customer_hands_over(
    shop: tuple[Settings, Services, dict[str, int]], reference: str
) -> None:
    """A reference that names no customer is the full path's to word."""
    settings, services, _ids = shop
    with pytest.raises(NotFound):
        services.customers.resolve(reference)
    with pytest.raises(lean.Unusual):
        lean.card_rows(settings, reference)


@pytest.mark.parametrize(
    "change",
    ["UPDATE alembic_version SET version_num = '0001'", "DELETE FROM reporting_currency"],
    ids=["older-schema", "no-currency-recorded"],
)
def test_unusual_databases_hand_over(
    shop: tuple[Settings, Services, dict[str, int]], change: str
) -> None:
    settings, services, ids = shop
    assert lean.card_rows(settings, str(ids["business"]))
    with services.ctx.db.write() as session:
        session.execute(text(change))
    with pytest.raises(lean.Unusual):
        lean.card_rows(settings, str(ids["business"]))


def test_show_imports_no_orm_and_no_ui(shop: tuple[Settings, Services, dict[str, int]]) -> None:
    """`crm show` (and --json) as a process never imports SQLAlchemy, SQLModel, pydantic,
    Textual or psycopg on a plain database, and prints what the full path prints."""
    settings, _services, ids = shop
    for extra in ([], ["--json"]):
        probe = (
            "import sys\n"
            "from crm_tui.cli.main import cli\n"
            f"cli.main(['show', 'compras@tejo.example', *{extra!r}], prog_name='crm', "
            "standalone_mode=False)\n"
            f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
        )
        env = {**os.environ, "CRM_DATABASE_URL": settings.database_url, "COLUMNS": "100"}
        lean_run = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
        )
        assert lean_run.returncode == 0, lean_run.stderr
        assert "LOADED []" in lean_run.stdout, lean_run.stdout[-500:]
        full = probe.replace(  # the lean path refused: the full path prints the card
            "import sys\n",
            "import sys\nfrom crm_tui.services.card import lean\nlean.card_rows = None\n",
        )
        full_run = subprocess.run(
            [sys.executable, "-c", full], capture_output=True, text=True, env=env, check=False
        )
        assert "LOADED []" not in full_run.stdout  # the full path did run
        printed = lean_run.stdout.rpartition("LOADED")[0]
        assert printed and printed == full_run.stdout.rpartition("LOADED")[0]
    assert ids
