"""One simulated clerk for `python -m benchmarks team`: a process with its own login.

    python -m benchmarks.team_clerk --db URL --work work.json --out clerk.json --seconds 60

Prints "ready" once its services are open, waits for "go" on stdin, then
for `--seconds` repeats a mix: look-ups 70% (a search's first page, then
opening the first hit's card), edits 20% (a new first name on one of the
hot customers, with the version read just before; a conflict is re-read
and retried), payments 10% (1.00 on a random customer). Writes what it did
and each operation's latency (ms) to `--out` as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerUpdate
from crm_tui.services.errors import ConflictError
from crm_tui.services.registry import Services, open_services

MIX: tuple[tuple[str, float], ...] = (("lookup", 70), ("edit", 20), ("payment", 10))
RETRIES = 20


def lookup(svc: Services, work: dict[str, Any], rng: random.Random) -> None:
    rows = svc.search.search(rng.choice(work["queries"]), limit=50).rows
    if rows:
        svc.customers.get(rows[0].id)


def edit(svc: Services, work: dict[str, Any], rng: random.Random, done: dict[str, Any]) -> None:
    """A new first name on one of the hot customers, from the version read just before; a
    conflict is read again and retried. Each acknowledged one is kept with the name this
    clerk saw: the history must show it replaced exactly that (else someone's was lost)."""
    cid = rng.choice(work["hot"])
    token = f"E{done['seed']}n{len(done['edits'])}"
    for _ in range(RETRIES):
        current = svc.customers.get(cid)
        try:
            svc.customers.update(
                cid, CustomerUpdate(first_name=token), expected_version=current.version
            )
        except ConflictError:
            done["conflicts"] += 1
            continue
        done["edits"].append([cid, token, current.first_name])
        return
    done["gave_up"] += 1


def payment(svc: Services, work: dict[str, Any], rng: random.Random, done: dict[str, Any]) -> None:
    cid = rng.choice(work["customers"])
    svc.billing.record_payment(
        cid, PaymentCreate(amount=Decimal("1.00"), status="paid", reference=work["reference"])
    )
    done["paid"][str(cid)] = done["paid"].get(str(cid), 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--think-ms", type=float, default=100.0)
    args = parser.parse_args()
    work: dict[str, Any] = json.loads(args.work.read_text())
    rng = random.Random(args.seed)
    svc = open_services(Settings(database_url=args.db, clerk=f"bench {args.seed}", live="off"))
    done: dict[str, Any] = {"seed": args.seed, "conflicts": 0, "gave_up": 0, "errors": [],
                            "edits": [], "paid": {},
                            "latency": {kind: [] for kind, _ in MIX}}  # fmt: skip
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            if kind == "lookup":
                lookup(svc, work, rng)
            elif kind == "edit":
                edit(svc, work, rng, done)
            else:
                payment(svc, work, rng, done)
        except Exception as exc:  # counted and shown by the driver, never hidden
            done["errors"].append(f"{kind}: {exc.__class__.__name__}: {exc}"[:300])
            continue
        done["latency"][kind].append((time.perf_counter() - started) * 1000)
        time.sleep(rng.uniform(0, 2 * args.think_ms) / 1000)
    svc.close()
    args.out.write_text(json.dumps(done))


if __name__ == "__main__":
    main()
