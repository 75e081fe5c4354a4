"""After a storm or a kill: is every acknowledged write in the database, and is it sound?

- notes: each journalled title is there, on the right customer;
- payments: each journalled reference is there with its amount and customer,
  status refunded when a refund was acknowledged;
- field edits: each acknowledged edit is in the change history with the
  version it produced (so it landed, even if a later edit superseded it); no
  two edits of a customer produced the same version (a lost update would);
  each field's value is the one its latest recorded edit wrote;
- tags: present or absent as the last acknowledged change left them (changes
  that overlapped in time may land in either order);
- `check_database` (what `crm db check` runs) is clean: summary rows equal a
  recount, every customer indexed; on SQLite also `PRAGMA integrity_check` and
  `foreign_key_check`;
- `strict` (a storm, where nothing was killed): nothing landed that was not
  acknowledged, and each shared customer's lifetime value and balance equal
  the sum of its journalled payments (EUR ones in GBP at the storm's rate,
  worked out here with Decimal, apart from the database's SQL).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from benchmarks.reliability.journal import Entry, read_entries
from benchmarks.reliability.workload import EUR_RATE, NOTE_PREFIX, PAYMENT_PREFIX
from crm_tui.db.engine import make_engine
from crm_tui.models import ChangeRecord, Customer, CustomerSummary, CustomerTag, Note, Tag
from crm_tui.models.billing import Payment
from crm_tui.services.checks import check_database

MAX_LISTED = 20
WRITES = ("note", "payment", "refund", "field", "tag")


@dataclass
class Verdict:
    """What the journals claim and what the database disagrees with."""

    problems: list[str] = field(default_factory=list)
    ops: Counter[str] = field(default_factory=Counter)  # journal entries by op
    failures: list[str] = field(default_factory=list)  # locked / failure / refused entries
    latencies_ms: list[float] = field(default_factory=list)
    customers: int = 0

    @property
    def acknowledged(self) -> int:
        return sum(self.ops[op] for op in WRITES)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failures

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        elif len(self.problems) == MAX_LISTED:
            self.problems.append("(more problems not listed)")


def verify(db_url: str, journals: Path, *, strict: bool) -> Verdict:
    entries = list(read_entries(journals))
    verdict = Verdict()
    for e in entries:
        verdict.ops[e.op] += 1
        if e.op in ("locked", "failure", "refused"):
            verdict.failures.append(f"{e.worker}: {e.data.get('what')} {e.data.get('message')}")
        if "t1" in e.data:
            verdict.latencies_ms.append((e["t1"] - e["t0"]) * 1000)
    by_op: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_op[e.op].append(e)
    # A worker whose journal ends with an intent was killed during that write:
    # it may or may not have landed.
    last: dict[str, Entry] = {}
    for e in entries:
        last[e.worker] = e
    by_op["in-flight"] = [e for e in last.values() if e.op == "intent"]
    engine = make_engine(db_url)  # read-write: after kills, SQLite may have a WAL to recover
    try:
        with Session(engine) as session:
            _notes(session, by_op, verdict, strict)
            _payments(session, by_op, verdict, strict)
            _fields(session, by_op, verdict)
            _tags(session, by_op, verdict)
            if strict:
                _money_matches_journal(session, by_op, verdict)
        report = check_database(engine)
        verdict.customers = report.customers_checked
        for problem in report.problems:
            verdict.add(f"db check: {problem}")
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                if integrity != ["ok"]:
                    verdict.add(f"integrity_check: {integrity[:5]}")
                orphans = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if orphans:
                    verdict.add(f"foreign_key_check: {orphans[:5]}")
    finally:
        engine.dispose()
    return verdict


def _notes(session: Session, by_op: dict[str, list[Entry]], v: Verdict, strict: bool) -> None:
    stored = {
        title: cid
        for title, cid in session.execute(
            select(col(Note.title), col(Note.customer_id)).where(
                col(Note.title).startswith(NOTE_PREFIX)
            )
        )
    }
    for e in by_op["note"]:
        if stored.get(e["title"]) != e["cid"]:
            v.add(f"acknowledged note {e['title']!r} is missing (customer {e['cid']})")
    if strict and len(stored) != len(by_op["note"]):
        v.add(f"{len(stored)} storm notes stored but {len(by_op['note'])} acknowledged")


def _payments(session: Session, by_op: dict[str, list[Entry]], v: Verdict, strict: bool) -> None:
    stored = {
        ref: (cid, amount, status, pid)
        for ref, cid, amount, status, pid in session.execute(
            select(
                col(Payment.reference),
                col(Payment.customer_id),
                col(Payment.amount),
                col(Payment.status),
                col(Payment.id),
            ).where(col(Payment.reference).startswith(PAYMENT_PREFIX))
        )
    }
    refunded = {e["payment_id"] for e in by_op["refund"]}
    for e in by_op["payment"]:
        got = stored.get(e["reference"])
        if got is None:
            v.add(f"acknowledged payment {e['reference']!r} is missing")
            continue
        cid, amount, status, pid = got
        want_status = "refunded" if pid in refunded else e["status"]
        # A refund in flight when its worker was killed may have committed unacknowledged.
        maybe_refunded = not strict and e["status"] == "paid" and status == "refunded"
        if cid != e["cid"] or Decimal(amount) != Decimal(e["amount"]):
            v.add(f"payment {e['reference']!r} is {amount} on {cid}, journalled {e['amount']}")
        if status != want_status and not maybe_refunded:
            v.add(f"payment {e['reference']!r} is {status}, expected {want_status}")
    if strict and len(stored) != len(by_op["payment"]):
        v.add(f"{len(stored)} storm payments stored but {len(by_op['payment'])} acknowledged")


def _fields(session: Session, by_op: dict[str, list[Entry]], v: Verdict) -> None:
    ids = sorted({e["cid"] for e in by_op["field"]})
    if not ids:
        return
    h = ChangeRecord
    rows = session.execute(
        select(col(h.entity_id), col(h.field), col(h.version), col(h.new_value), col(h.id)).where(
            col(h.entity) == "customer",
            col(h.action) == "update",
            col(h.entity_id).in_(ids),
            col(h.version) > 0,  # tag changes are logged with version 0
        )
    ).all()
    recorded = {(cid, f, ver): new for cid, f, ver, new, _id in rows}
    latest: dict[tuple[int, str], tuple[int, str | None]] = {}
    for cid, f, ver, new, _id in rows:
        if (cid, f) not in latest or ver > latest[(cid, f)][0]:
            latest[(cid, f)] = (ver, new)
    for e in by_op["field"]:
        key = (e["cid"], e["field"], e["version"])
        if key not in recorded:
            v.add(
                f"acknowledged edit {e['field']}={e['value']!r} (v{e['version']}) of {e['cid']} is not in the history"
            )
        elif recorded[key] != e["value"]:
            v.add(
                f"history says v{e['version']} of {e['cid']} set {e['field']}={recorded[key]!r}, journal {e['value']!r}"
            )
    # One version, one save: two saves that both produced version N (each worker
    # is its own clerk, and a save logs each field once) would be a lost update.
    saves = session.execute(
        select(col(h.entity_id), col(h.version))
        .where(col(h.entity) == "customer", col(h.entity_id).in_(ids), col(h.version) > 0)
        .group_by(col(h.entity_id), col(h.version))
        .having(
            (func.count(func.distinct(col(h.actor))) > 1)
            | (func.count() > func.count(func.distinct(col(h.field))))
        )
    ).all()
    for cid, ver in saves:
        v.add(f"customer {cid} has several saves that each produced version {ver} (a lost update)")
    current = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                col(Customer.id),
                col(Customer.first_name),
                col(Customer.owner),
                col(Customer.loyalty_points),
                col(Customer.email),
            ).where(col(Customer.id).in_(ids))
        )
    }
    columns = ("first_name", "owner", "loyalty_points", "email")
    acked_max: dict[tuple[int, str], int] = {}
    for e in by_op["field"]:
        k = (e["cid"], e["field"])
        acked_max[k] = max(acked_max.get(k, 0), e["version"])
    for (cid, f), top in acked_max.items():
        ver, new = latest.get((cid, f), (0, None))
        now = current[cid][columns.index(f)]
        if ver < top or (None if now is None else str(now)) != new:
            v.add(f"customer {cid} {f} is {now!r}; its latest recorded edit (v{ver}) wrote {new!r}")


def _tags(session: Session, by_op: dict[str, list[Entry]], v: Verdict) -> None:
    stored = {
        (cid, name)
        for cid, name in session.execute(
            select(col(CustomerTag.customer_id), col(Tag.name)).join(
                Tag, col(Tag.id) == col(CustomerTag.tag_id)
            )
        )
    }
    acked: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    for e in by_op["tag"]:
        acked[(e["cid"], e["tag"])].append(e)
    in_flight: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for e in by_op["in-flight"]:
        if e["what"] == "tag":
            in_flight[(e["cid"], e["tag"])].append(e.data)
    for key, ops in acked.items():
        # The last change is any one that no other change started after it was acknowledged.
        last = [a for a in ops if not any(b["t0"] > a["t1"] for b in ops)]
        allowed = {a["present"] for a in last}
        allowed |= {i["present"] for i in in_flight[key]}
        if (key in stored) not in allowed:
            v.add(
                f"tag {key[1]} on {key[0]} is {'present' if key in stored else 'absent'}; the last acknowledged change made it {sorted(allowed)}"
            )


def in_gbp(amount: Decimal, currency: str) -> Decimal:
    """A journalled payment in GBP, the storm's reporting currency: EUR at the storm's rate,
    rounded half away from zero to the cent (the database's rule, worked out here apart)."""
    if currency == "GBP":
        return amount
    assert currency == "EUR", currency
    return (amount * EUR_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _money_matches_journal(session: Session, by_op: dict[str, list[Entry]], v: Verdict) -> None:
    """Lifetime value is every paid, never-refunded payment; the balance is what issued invoices owe.

    The storm issues no invoice, so every customer's balance must stay zero whatever
    pending payments it records (issue 22: a pending payment is not money owed).
    """
    refunded = {e["payment_id"] for e in by_op["refund"]}
    ltv: dict[int, Decimal] = defaultdict(Decimal)
    for e in by_op["payment"]:
        if e["payment_id"] not in refunded and e["status"] == "paid":
            ltv[e["cid"]] += in_gbp(Decimal(e["amount"]), e.data.get("currency", "GBP"))
    ids = sorted({e["cid"] for e in by_op["payment"]})
    for cid, stored_ltv, stored_owed in session.execute(
        select(
            col(CustomerSummary.customer_id),
            col(CustomerSummary.lifetime_value),
            col(CustomerSummary.outstanding_balance),
        ).where(col(CustomerSummary.customer_id).in_(ids))
    ):
        if Decimal(stored_ltv) != ltv[cid] or Decimal(stored_owed) != 0:
            v.add(
                f"customer {cid}: lifetime value {stored_ltv} / balance {stored_owed}, "
                f"journal says {ltv[cid]} / 0"
            )
