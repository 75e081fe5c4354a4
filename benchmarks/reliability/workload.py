"""What one clerk process does in a storm or a crash run: mixed edits through the real services.

Every worker edits the same small set of customers, so edits really collide:
notes, payments (and refunds of its own paid payments), field changes through
the optimistic-locking update path, and tag changes. After each service call
returns, the write is journalled (see `journal`). A `ConflictError` is a
legitimate answer to a stale field edit and is journalled as a conflict; a
"database is locked" error, or any other exception, is journalled as a failure.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from benchmarks.reliability.journal import Journal
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.bulk.service import Selection
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate, NoteCreate
from crm_tui.services.errors import ConflictError, CrmError
from crm_tui.services.history import as_text
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import Services, open_services

NOTE_PREFIX = "storm note "
PAYMENT_PREFIX = "storm payment "
EMAIL_DOMAIN = "storm.example.com"
EUR_RATE = Decimal("0.85")  # GBP for one EUR, from EUR_RATE_FROM on (set by `prepare`)
EUR_RATE_FROM = "2000-01-01"
TAGS = ("storm-red", "storm-green", "storm-blue", "storm-gold")
FIELDS = ("first_name", "owner", "loyalty_points", "email")
# op -> weight: roughly what a clerk's day looks like, with enough field edits to collide.
OPS = {"note": 28, "payment": 22, "refund": 5, "field": 30, "tag": 15}


@dataclass(frozen=True)
class Shared:
    """The customers and tags every worker writes to."""

    customer_ids: list[int]
    tags: dict[str, int]  # name -> id

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"customer_ids": self.customer_ids, "tags": self.tags}))

    @classmethod
    def load(cls, path: Path) -> Shared:
        raw = json.loads(path.read_text())
        return cls(customer_ids=list(raw["customer_ids"]), tags=dict(raw["tags"]))


def prepare(db_url: str, customers: int) -> Shared:
    """Create the shared customers and tags on a migrated database."""
    services = open_services(Settings(database_url=db_url, clerk="storm-setup"))
    try:
        ids = [
            services.customers.create(
                CustomerCreate(
                    first_name=f"Storm{n}",
                    last_name="Customer",
                    email=f"shared-{n}-{time.time_ns()}@{EMAIL_DOMAIN}",
                )
            ).id
            for n in range(customers)
        ]
        # Payments come in GBP (the reporting currency) and EUR at this rate, so the
        # checker also proves every EUR payment's GBP amount under contention.
        if not services.rates.stored("EUR"):
            services.rates.set(RateInput("EUR", str(EUR_RATE), EUR_RATE_FROM))
        existing = {t.name: t.id for t in services.tags.list()}
        tags = {name: existing.get(name) or services.tags.create(name).id for name in TAGS}
        return Shared(customer_ids=ids, tags=tags)
    finally:
        services.close()


def prepare_workdir(db_url: str, workdir: Path, customers: int) -> tuple[Path, Path]:
    """`prepare` the database and lay out a run's folder: (journals folder, shared.json)."""
    journals = workdir / "journals"
    journals.mkdir(parents=True, exist_ok=True)
    shared_path = workdir / "shared.json"
    prepare(db_url, customers).save(shared_path)
    return journals, shared_path


@dataclass
class Clerk:
    """One worker's loop; `intents` journals each write before it starts (crash runs)."""

    services: Services
    shared: Shared
    journal: Journal
    worker: str
    index: int
    seed: int
    think_ms: float = 2.0
    intents: bool = False

    def run(self, edits: int) -> None:
        rng = random.Random(self.seed)
        names, weights = list(OPS), list(OPS.values())
        paid: list[int] = []  # this worker's paid payments, candidates for a refund
        for i in range(edits):
            cid = rng.choice(self.shared.customer_ids)
            op = rng.choices(names, weights)[0]
            if op == "refund" and not paid:
                op = "payment"
            token = f"{self.worker}-{i}"
            try:
                entry = self._one(rng, op, cid, token, paid)
            except ConflictError as exc:
                entry = {"op": "conflict", "cid": cid, "fields": [c.field for c in exc.conflicts]}
            except CrmError as exc:
                entry = {"op": "refused", "cid": cid, "what": op, "message": exc.message}
            except OperationalError as exc:
                kind = "locked" if "locked" in str(exc.orig).lower() else "failure"
                entry = {"op": kind, "cid": cid, "what": op, "message": str(exc.orig)}
            except Exception as exc:  # anything else is a failure the checker reports
                entry = {"op": "failure", "cid": cid, "what": op, "message": repr(exc)[:500]}
            self.journal.append(entry)

    def _intent(self, entry: dict[str, Any]) -> None:
        if self.intents:
            self.journal.append({**entry, "op": "intent", "what": entry["op"]})

    def _timed(self, entry: dict[str, Any], call: Any) -> Any:
        """Journal the intent, run the write, stamp start/ack times (monotonic, system-wide)."""
        self._intent(entry)
        entry["t0"] = time.monotonic()
        result = call()
        entry["t1"] = time.monotonic()
        return result

    def _one(
        self, rng: random.Random, op: str, cid: int, token: str, paid: list[int]
    ) -> dict[str, Any]:
        svc = self.services
        if op == "note":
            entry: dict[str, Any] = {"op": "note", "cid": cid, "title": NOTE_PREFIX + token}
            body = "Called about the invoice; " * rng.randint(0, 6)
            self._timed(
                entry, lambda: svc.notes.add(cid, NoteCreate(title=entry["title"], body=body))
            )
            return entry
        if op == "payment":
            amount = Decimal(rng.randint(1, 99_999)) / 100
            status = rng.choice(["paid", "paid", "pending", "failed"])
            currency = rng.choice(["GBP", "EUR"])
            entry = {
                "op": "payment",
                "cid": cid,
                "reference": PAYMENT_PREFIX + token,
                "amount": str(amount),
                "currency": currency,
                "status": status,
            }
            payment = self._timed(
                entry,
                lambda: svc.billing.record_payment(
                    cid,
                    PaymentCreate(
                        amount=amount,
                        currency=currency,
                        status=status,
                        reference=entry["reference"],
                    ),
                ),
            )
            entry["payment_id"] = payment.id
            if status == "paid":
                paid.append(payment.id)
            return entry
        if op == "refund":
            payment_id = paid.pop(rng.randrange(len(paid)))
            entry = {"op": "refund", "payment_id": payment_id}
            self._timed(entry, lambda: svc.billing.refund(payment_id))
            return entry
        if op == "field":
            field = rng.choice(FIELDS)
            value: Any = {
                "first_name": f"Fn {token}",
                "owner": f"owner {token}",
                "loyalty_points": self.index * 1_000_000 + int(token.rsplit("-", 1)[1]),
                "email": f"{token.lower()}@{EMAIL_DOMAIN}",
            }[field]
            before = svc.customers.get(cid)
            if self.think_ms:  # the clerk types; others may save meanwhile
                time.sleep(rng.uniform(0, self.think_ms) / 1000)
            entry = {"op": "field", "cid": cid, "field": field, "value": as_text(value)}
            after = self._timed(
                entry,
                lambda: svc.customers.update(
                    cid, CustomerUpdate(**{field: value}), expected_version=before.version
                ),
            )
            entry["version"] = after.version
            return entry
        tag = rng.choice(sorted(self.shared.tags))
        present = rng.random() < 0.6
        entry = {"op": "tag", "cid": cid, "tag": tag, "present": present}
        one = Selection(ids=frozenset({cid}))
        if present:
            self._timed(entry, lambda: svc.bulk.add_tag(one, tag))
        else:
            self._timed(entry, lambda: svc.bulk.remove_tag(one, tag))
        return entry
