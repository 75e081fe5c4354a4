"""A hypothesis state machine over the real services, on SQLite and PostgreSQL.

Each example starts from a fresh migrated database (a copy of the SQLite
template file, or a PostgreSQL database made from the template) and runs up
to 30 steps: create, edit, deactivate/reactivate, merge and erase customers;
add contacts, addresses, subscriptions, payments (paid, pending, failed,
refunded), notes and cards; import a small CSV (skip or update) and export
one. Every step predicts its outcome from a plain in-memory model first, and
after every step the invariants are checked against the database:

- customers (id, e-mail key, names, status, erased) equal the model;
- e-mail keys are unique;
- every customer's summary (lifetime value, balance) equals the sums of the
  model's payments (and, at the end of each example, every stored figure
  equals the recount `crm db check` makes);
- every change made has a history row, and none was logged for a refused one;
- no text column anywhere holds a card-number-like string.

Budgets, chosen by CRM_HYPOTHESIS_PROFILE (examples on SQLite / PostgreSQL x steps):
``ci`` (default) 100 / 20 x 30, derandomized so CI is repeatable, about 35 s and
15 s of CPU on 2 cores (PostgreSQL pays for a database per example); ``nightly``
2,000 / 1,000 x 50 with fresh random seeds and shrinking of a failure;
``dev`` 20 / 10 x 30 for a quick look. The nightly run::

    CRM_HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest tests/services/test_state_machine.py -q -s

Nothing is written to a ``.hypothesis`` directory (``database=None``, and the
constants cache goes to tmp_path). With ``-s`` the test prints the examples
and steps it ran.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import String, Text, select
from sqlmodel import SQLModel, col

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.config import Settings
from crm_tui.models import ChangeRecord, Customer, CustomerSummary, format_number
from crm_tui.services.billing import summary
from crm_tui.services.billing.inputs import PaymentCreate, PaymentMethodCreate, SubscriptionCreate
from crm_tui.services.card_numbers import contains_card_number
from crm_tui.services.checks import dashboard
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.errors import CrmError, DuplicateEmail, ValidationError
from crm_tui.services.exports.service import ExportService
from crm_tui.services.imports.service import ImportService
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import open_services
from crm_tui.services.validation import text_key

PROFILES = {
    # (examples on SQLite, examples on PostgreSQL, steps per example)
    "ci": (100, 20, 30),
    "nightly": (2_000, 1_000, 50),
    "dev": (20, 10, 30),  # a quick look while changing the machine
}
PROFILE = os.environ.get("CRM_HYPOTHESIS_PROFILE", "ci")

CARD = "4111 1111 1111 1111"
NAMES = ["Ana", "Bo", "Cy", "Lima", "O'Neil", "Zoë", "Ng"]
EMAILS = [
    "ana@example.com",
    "ANA@Example.com",
    "bo@example.com",
    "cy@example.org",
    "zoe@example.net",
]
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
names = st.sampled_from(NAMES)
hostile_names = st.one_of(names, names, names, st.just(f"Ana {CARD}"))
emails = st.one_of(st.none(), st.sampled_from(EMAILS))
ZERO = Decimal("0.00")


@dataclass
class ModelCustomer:
    """What the database should hold for one customer."""

    kind: str
    first: str | None
    last: str | None
    company: str | None
    email: str | None
    status: str = "active"
    erased: bool = False
    merged_into: int | None = None

    @property
    def email_key(self) -> str | None:
        if self.erased or self.merged_into is not None or not self.email:
            return None
        return text_key(self.email)

    @property
    def live(self) -> bool:
        """Children may be added (not erased, not merged)."""
        return not self.erased and self.merged_into is None


@dataclass
class ModelPayment:
    customer_id: int
    amount: Decimal
    status: str


@dataclass
class Model:
    customers: dict[int, ModelCustomer] = field(default_factory=dict)
    payments: dict[int, ModelPayment] = field(default_factory=dict)
    # (entity, entity id, action) of every change that must be in the log
    history: Counter[tuple[str, int, str]] = field(default_factory=Counter)

    def owner_of(self, key: str) -> int | None:
        return next((i for i, c in self.customers.items() if c.email_key == key), None)


def _has_card(*values: str | None) -> bool:
    return any(v is not None and contains_card_number(v) for v in values)


class CrmMachine(RuleBasedStateMachine):
    """Drives the services and a model side by side; see the module docstring."""

    # Set by the test: a fresh database per example, and how to get rid of it.
    fresh_database: Callable[[], tuple[str, Callable[[], None]]]
    workdir: Path

    examples = 0  # counted per run, to report and check the budget really ran
    steps = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).examples += 1
        self.checked_once = False
        url, self._drop = self.fresh_database()
        self.svc = open_services(Settings(database_url=url, clerk="machine", default_region="GB"))
        self.merge = MergeService(self.svc.ctx)
        self.model = Model()
        self.files = 0
        self.dir = self.workdir / uuid.uuid4().hex[:8]
        self.dir.mkdir()

    def teardown(self) -> None:
        try:
            self._check_recount()
        finally:
            self.svc.close()
        self._drop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------

    def _pick(self, data: st.DataObject, where: Callable[[ModelCustomer], bool]) -> int | None:
        ids = sorted(i for i, c in self.model.customers.items() if where(c))
        return data.draw(st.sampled_from(ids)) if ids else None

    def _logged(self, entity: str, entity_id: int, action: str) -> None:
        self.model.history[(entity, entity_id, action)] += 1

    def _expect_refused(self, call: Callable[[], object], error: type[CrmError]) -> None:
        with pytest.raises(error):
            call()

    # --- customers ------------------------------------------------------------------

    @rule(kind=st.sampled_from(["individual", "business"]), first=hostile_names,
          last=st.one_of(st.none(), names), email=emails)  # fmt: skip
    def create_customer(self, kind: str, first: str, last: str | None, email: str | None) -> None:
        company = f"{first} Ltd" if kind == "business" else None
        data = {"kind": kind, "first_name": first, "last_name": last, "email": email,
                "company_name": company}  # fmt: skip
        if _has_card(first, last):
            self._expect_refused(
                lambda: self.svc.customers.create(CustomerCreate(**data)), ValidationError
            )
            return
        if email and self.model.owner_of(text_key(email)) is not None:
            self._expect_refused(
                lambda: self.svc.customers.create(CustomerCreate(**data)), DuplicateEmail
            )
            return
        created = self.svc.customers.create(CustomerCreate(**data))
        assert created.id not in self.model.customers
        self.model.customers[created.id] = ModelCustomer(kind, first, last, company, email)
        self._logged("customer", created.id, "create")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), what=st.sampled_from(["first_name", "last_name", "email"]),
          name=hostile_names, email=emails)  # fmt: skip
    def edit_customer(self, data: st.DataObject, what: str, name: str, email: str | None) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        model = self.model.customers[cid]
        value = email if what == "email" else name
        version = self.svc.customers.get(cid).version

        def call() -> object:
            return self.svc.customers.update(
                cid, CustomerUpdate(**{what: value}), expected_version=version
            )

        if not model.live:
            self._expect_refused(call, ValidationError)
            return
        if what != "email" and _has_card(value):
            self._expect_refused(call, ValidationError)
            return
        if what == "email" and value:
            owner = self.model.owner_of(text_key(value))
            if owner not in (None, cid):
                self._expect_refused(call, DuplicateEmail)
                return
        call()
        old = (model.first, model.last, model.email)
        if what == "first_name":
            model.first = value
        elif what == "last_name":
            model.last = value
        else:
            model.email = value
        if (model.first, model.last, model.email) != old:
            self._logged("customer", cid, "update")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), active=st.booleans())
    def change_status(self, data: st.DataObject, active: bool) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        model = self.model.customers[cid]
        service = self.svc.customers
        call: Callable[[], object] = partial(
            service.reactivate if active else service.deactivate, cid
        )
        if not model.live:
            self._expect_refused(call, ValidationError)
            return
        call()
        wanted = "active" if active else "inactive"
        if model.status != wanted:
            model.status = wanted
            self._logged("customer", cid, "update")

    @precondition(lambda self: len(self.model.customers) >= 2)
    @rule(data=st.data())
    def merge_two(self, data: st.DataObject) -> None:
        ids = sorted(self.model.customers)
        keep = data.draw(st.sampled_from(ids))
        loser = data.draw(st.sampled_from([i for i in ids if i != keep]))
        survivor, other = self.model.customers[keep], self.model.customers[loser]
        if not (survivor.live and other.live):
            self._expect_refused(
                lambda: self.merge.merge([keep, loser], keep=keep), ValidationError
            )
            return
        self.merge.merge([keep, loser], keep=keep)
        # Default choices: the survivor's value unless empty, then the other's.
        survivor.first = survivor.first or other.first
        survivor.last = survivor.last or other.last
        survivor.email = survivor.email or other.email
        other.status = "merged"
        for customer in self.model.customers.values():  # no chains: all point at the survivor
            if customer.merged_into == loser:
                customer.merged_into = keep
        other.merged_into = keep
        for payment in self.model.payments.values():
            if payment.customer_id == loser:
                payment.customer_id = keep
        self._logged("customer", keep, "merge")
        self._logged("customer", loser, "merge")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data())
    def erase(self, data: st.DataObject) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        with pytest.raises(ValidationError):
            self.svc.customers.erase(cid, confirm="C-0")  # a slip of a key erases nothing
        self.svc.customers.erase(cid, confirm=format_number(cid).lower())
        # Customers merged into this one (through any chain) are erased with it;
        # those erased before are left as they are (no second history line).
        targets, frontier = [cid], [cid]
        while frontier:
            frontier = [i for i, c in self.model.customers.items()
                        if c.merged_into in frontier and i not in targets]  # fmt: skip
            targets.extend(frontier)
        for target in targets:
            model = self.model.customers[target]
            if model.erased:
                continue
            model.erased = True
            model.first, model.last, model.email, model.company = "Erased", "customer", None, None
            if model.merged_into is None:
                model.status = "inactive"
            self._logged("customer", target, "erase")

    # --- children -------------------------------------------------------------------

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), name=hostile_names)
    def add_contact(self, data: st.DataObject, name: str) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        model = self.model.customers[cid]

        def call() -> Any:
            return self.svc.contacts.add(cid, ContactCreate(first_name=name, title="Buyer"))

        if not model.live or model.kind != "business" or _has_card(name):
            self._expect_refused(call, ValidationError)
            return
        self._logged("contact", call().id, "create")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), line=hostile_names)
    def add_address(self, data: st.DataObject, line: str) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None

        def call() -> Any:
            return self.svc.addresses.add(
                cid, AddressCreate(line1=f"1 {line} Street", city="Leeds")
            )

        if not self.model.customers[cid].live or _has_card(line):
            self._expect_refused(call, ValidationError)
            return
        self._logged("address", call().id, "create")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), amount=AMOUNTS)
    def add_subscription(self, data: st.DataObject, amount: Decimal) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        values = {"product": "Fibre", "monthly_amount": str(amount), "start_date": "2025-01-01"}

        def call() -> Any:
            return self.svc.billing.add_subscription(cid, SubscriptionCreate(**values))

        if not self.model.customers[cid].live:
            self._expect_refused(call, ValidationError)
            return
        self._logged("subscription", call().id, "create")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), amount=AMOUNTS,
          status=st.sampled_from(["paid", "paid", "pending", "failed"]))  # fmt: skip
    def record_payment(self, data: st.DataObject, amount: Decimal, status: str) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        values = {"amount": str(amount), "status": status, "paid_at": "2025-06-01"}

        def call() -> Any:
            return self.svc.billing.record_payment(cid, PaymentCreate(**values))

        if not self.model.customers[cid].live:
            self._expect_refused(call, ValidationError)
            return
        payment = call()
        assert payment.amount == amount
        self.model.payments[payment.id] = ModelPayment(cid, amount, status)
        self._logged("payment", payment.id, "create")

    @precondition(lambda self: self.model.payments)
    @rule(data=st.data(), refund=st.booleans())
    def settle_payment(self, data: st.DataObject, refund: bool) -> None:
        pid = data.draw(st.sampled_from(sorted(self.model.payments)))
        payment = self.model.payments[pid]
        billing = self.svc.billing
        call: Callable[[], object] = partial(billing.refund if refund else billing.mark_paid, pid)
        allowed = {"paid"} if refund else {"pending", "failed"}
        if not self.model.customers[payment.customer_id].live or payment.status not in allowed:
            self._expect_refused(call, ValidationError)
            return
        call()
        payment.status = "refunded" if refund else "paid"
        self._logged("payment", pid, "update")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), title=hostile_names, body=st.sampled_from(["", "Called", CARD]))
    def add_note(self, data: st.DataObject, title: str, body: str) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None

        def call() -> Any:
            return self.svc.notes.add(cid, NoteCreate(title=title, body=body))

        if not self.model.customers[cid].live or _has_card(title, body):
            self._expect_refused(call, ValidationError)
            return
        self._logged("note", call().id, "create")

    @precondition(lambda self: self.model.customers)
    @rule(data=st.data(), holder=hostile_names)
    def add_card(self, data: st.DataObject, holder: str) -> None:
        cid = self._pick(data, lambda c: True)
        assert cid is not None
        values = {"brand": "Visa", "bin": "411111", "last4": "1111", "exp_month": "12",
                  "exp_year": "2030", "holder_name": holder}  # fmt: skip

        def call() -> Any:
            return self.svc.billing.add_payment_method(cid, PaymentMethodCreate(**values))

        if not self.model.customers[cid].live or _has_card(holder):
            self._expect_refused(call, ValidationError)
            return
        self._logged("payment_method", call().id, "create")

    # --- files ----------------------------------------------------------------------

    @rule(rows=st.lists(st.tuples(hostile_names, names, st.sampled_from(EMAILS)),
                        min_size=1, max_size=4),
          mode=st.sampled_from(["skip", "update"]))  # fmt: skip
    def import_csv(self, rows: list[tuple[str, str, str]], mode: str) -> None:
        self.files += 1
        path = self.dir / f"import-{self.files}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["First name", "Last name", "E-mail"])
            writer.writerows(rows)
        expected: Counter[str] = Counter()
        created_now: dict[str, tuple[str, str, str]] = {}  # e-mail key -> values
        updated: set[int] = set()
        for first, last, email in rows:
            key = text_key(email)
            if _has_card(first, last, email):
                expected["refused"] += 1
                continue
            owner = self.model.owner_of(key)
            if key in created_now:
                if mode == "skip":
                    expected["skipped"] += 1
                else:  # folded into the customer this file creates
                    expected["updated"] += 1
                    created_now[key] = (first, last, email)
            elif owner is not None:
                if mode == "skip":
                    expected["skipped"] += 1
                    continue
                model = self.model.customers[owner]
                if (model.first, model.last, model.email) == (first, last, email):
                    expected["unchanged"] += 1
                else:
                    expected["updated"] += 1
                    model.first, model.last, model.email = first, last, email
                    updated.add(owner)
            else:
                expected["created"] += 1
                created_now[key] = (first, last, email)
        result = ImportService(self.svc.ctx).run(
            path, on_duplicate=mode, refused_path=self.dir / f"refused-{self.files}.csv"
        )
        got = {k: getattr(result, k) for k in ("created", "updated", "unchanged", "skipped")}
        got["refused"] = result.refused
        assert got == {k: expected[k] for k in got}, result.examples
        for owner in updated:
            self._logged("customer", owner, "update")
        for key, (first, last, email) in created_now.items():
            cid = self.svc.customers.resolve(email).id
            self.model.customers[cid] = ModelCustomer("individual", first, last, None, email)
            assert text_key(self.svc.customers.get(cid).email or "") == key
            self._logged("customer", cid, "create")

    @rule()
    def export_csv(self) -> None:
        self.files += 1
        path = self.dir / f"export-{self.files}.csv"
        result = ExportService(self.svc.ctx).export(path, fmt="csv")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            exported = {row["Customer number"]: row for row in csv.DictReader(handle)}
        shown = {i: c for i, c in self.model.customers.items() if c.live}  # erased: not shown
        assert result.rows == len(shown) == len(exported)
        for cid, model in shown.items():
            row = exported[format_number(cid)]
            assert (row["First name"] or None, row["Last name"] or None) == (
                model.first,
                model.last,
            )
            assert (row["E-mail"] or None) == model.email
            assert row["Status"] == model.status

    # --- invariants -----------------------------------------------------------------

    @invariant()
    def database_equals_model(self) -> None:
        if self.checked_once:  # invariants run once before the first step, then after each
            type(self).steps += 1
        self.checked_once = True
        with self.svc.ctx.read() as session:
            stored = {
                c.id: (c.email_key, c.first_name, c.last_name, c.status, c.erased_at is not None,
                       c.merged_into_id)
                for c in session.scalars(select(Customer))
            }  # fmt: skip
            keys = [k for k, *_ in stored.values() if k is not None]
            assert len(keys) == len(set(keys)), "e-mail keys are not unique"
            expected = {
                i: (c.email_key, c.first, c.last, c.status, c.erased, c.merged_into)
                for i, c in self.model.customers.items()
            }
            assert stored == expected
            self._check_money(session)
            self._check_history(session)
            self._check_no_card_numbers(session)

    def _check_money(self, session: Any) -> None:
        # This machine issues no invoices, so nothing is ever outstanding:
        # pending and failed payments are not money owed on an invoice.
        want: dict[int, Decimal] = dict.fromkeys(self.model.customers, ZERO)
        for p in self.model.payments.values():
            if p.status == "paid":
                want[p.customer_id] += p.amount
        stored = {
            s.customer_id: s
            for s in session.scalars(select(CustomerSummary))  # every customer has one
        }
        assert set(stored) == set(want)
        for cid, paid in want.items():
            row = stored[cid]
            assert (row.lifetime_value, row.outstanding_balance) == (paid, ZERO), cid

    def _check_recount(self) -> None:
        """Once per example (it costs more than a step): every stored figure equals the
        recount that `crm db check` makes, subscriptions and orders included, and the
        dashboard's day-by-day figures equal a rebuild from the subscriptions."""
        with self.svc.ctx.read() as session:
            stored = {s.customer_id: s for s in session.scalars(select(CustomerSummary))}
            recount = summary.recount(session, sorted(stored))
        for cid, figures in recount.items():
            assert {k: getattr(stored[cid], k) for k in figures} == figures, cid
        with self.svc.ctx.db.engine.connect() as conn:
            assert dashboard.dashboard_problems(conn) == []

    def _check_history(self, session: Any) -> None:
        logged = Counter(
            (entity, entity_id, action)
            for entity, entity_id, action in session.execute(
                select(col(ChangeRecord.entity), col(ChangeRecord.entity_id),
                       col(ChangeRecord.action)).distinct()
            )
        )  # fmt: skip
        assert set(logged) == set(self.model.history)

    @staticmethod
    def _check_no_card_numbers(session: Any) -> None:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for value in row:
                    assert not (isinstance(value, str) and contains_card_number(value)), (
                        f"{table.name} holds a card number"
                    )


# --- running it on both engines ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_databases(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, Callable[[], tuple[str, Callable[[], None]]]]]:
    """A factory of fresh migrated databases on one engine (one per hypothesis example)."""
    if request.param == "sqlite":

        def sqlite_copy() -> tuple[str, Callable[[], None]]:
            target = tmp_path / f"sm-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copy(sqlite_template, target)

            def drop() -> None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)

            return f"sqlite:///{target}", drop

        yield "sqlite", sqlite_copy
        return
    server = request.getfixturevalue("pg_server")

    def pg_copy() -> tuple[str, Callable[[], None]]:
        name = server.create()
        return server.url_for(name), lambda: server.drop(name)

    yield "postgresql", pg_copy


def test_services_agree_with_a_simple_model(
    fresh_databases: tuple[str, Callable[[], tuple[str, Callable[[], None]]]], tmp_path: Path
) -> None:
    """Random sequences of customer, money, merge, erase, import and export steps keep the
    database equal to the model, e-mail keys unique, balances exact, history complete and
    card numbers out."""
    engine, factory = fresh_databases
    sqlite_examples, pg_examples, steps = PROFILES[PROFILE]
    examples = sqlite_examples if engine == "sqlite" else pg_examples
    workdir = tmp_path / "files"
    workdir.mkdir()

    class Machine(CrmMachine):
        fresh_database = staticmethod(factory)

    Machine.workdir = workdir
    # Hypothesis caches constants under .hypothesis/ in the working directory: keep it in tmp.
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    try:
        run_machine(Machine, examples, steps)
    finally:
        set_hypothesis_home_dir(None)
    print(f"state machine on {engine}: {Machine.examples} examples, {Machine.steps} steps")
    assert Machine.examples >= examples


def run_machine(machine: type[CrmMachine], examples: int, steps: int) -> None:
    """Run the machine under the profile's budget (no example database is kept)."""
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            derandomize=PROFILE == "ci",
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            print_blob=False,
            # Shrinking a 30-step case over a database can take minutes: only the
            # nightly run shrinks; CI and dev print the failing steps as found.
            phases=[p for p in Phase if PROFILE == "nightly" or p != Phase.shrink],
        ),
    )
