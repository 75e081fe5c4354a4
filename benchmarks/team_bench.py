"""A team on one PostgreSQL: N clerk processes with logins of their own, and one more
clerk's screen watching (`python -m benchmarks team --pg URL [--clerks 20] [--seconds 300]`).

On a throwaway database of the --pg server (2,000 demo customers, the crm
roles installed, a clerk login per process, dropped after): first one
clerk alone (the reference, measured in the same run), then `--clerks` at
once, each doing look-ups 70%, edits 20% and payments 10%
(benchmarks/team_clerk.py). Meanwhile this process changes one customer's
name about once a second and the real app, headless and logged in as a
viewer, shows that customer (benchmarks/team_watcher.py): the time from
the commit to the name on that screen is measured with no key pressed.
Every acknowledged edit (a new first name, from the version its clerk
read) and payment is checked after: a lost update is an edit the history
shows replacing another clerk's change its clerk never saw (or missing),
or a payment that is not there.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import percentile
from benchmarks.reliability.scratch import scratch_database
from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import open_services
from crm_tui.services.roles import Role
from crm_tui.services.roles.install import grant_role, install_roles

REPO = Path(__file__).resolve().parents[1]
CUSTOMERS = 2_000
HOT = 200  # the customers edits go to: enough contention to make conflicts
PING_EVERY_S = 1.0


@dataclass
class Phase:
    """What one phase measured."""

    clerks: int
    seconds: float
    results: list[dict[str, Any]]
    paint_ms: list[float] = field(default_factory=list)
    pings: int = 0
    overtaken: int = 0  # changes a newer one replaced on screen before they were shown

    def latencies(self, kind: str | None = None) -> list[float]:
        kinds = [kind] if kind else ["lookup", "edit", "payment"]
        return [ms for r in self.results for k in kinds for ms in r["latency"][k]]

    def count(self, key: str) -> int:
        return sum(int(r[key]) if isinstance(r[key], int) else len(r[key]) for r in self.results)

    def row(self, label: str) -> dict[str, Any]:
        """Throughput and latency per kind of operation (ms)."""
        every = self.latencies()
        row: dict[str, Any] = {"measure": label, "ops": len(every),
                               "ops/s": f"{len(every) / self.seconds:.1f}"}  # fmt: skip
        for kind, short in (("lookup", "lookup"), ("edit", "edit"), ("payment", "pay")):
            ms = self.latencies(kind)
            row[f"{short} p50"] = _ms(statistics.median(ms) if ms else None)
            row[f"{short} p99"] = _ms(percentile(ms, 99) if ms else None)
        row["all p50"] = _ms(statistics.median(every) if every else None)
        row["all p99"] = _ms(percentile(every, 99) if every else None)
        row["conflicts"] = self.count("conflicts")
        row["errors"] = self.count("errors")
        return row

    def paint_row(self, label: str) -> dict[str, Any]:
        """Commit on one screen to shown on another (ms)."""
        paint = self.paint_ms
        return {
            "measure": label,
            "p50": _ms(statistics.median(paint) if paint else None),
            "p95": _ms(percentile(paint, 95) if paint else None),
            "max": _ms(max(paint) if paint else None),
            "shown": f"{len(paint)}/{self.pings}",
            "overtaken": self.overtaken,
        }


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@dataclass
class Team:
    """The throwaway database, its logins and what the clerks work on."""

    url: str
    folder: Path
    logins: dict[str, str]
    work: Path
    ping_customer: int

    def login_url(self, name: str) -> str:
        parsed = make_url(self.url).set(username=self.logins[name], password=None)
        return parsed.render_as_string(hide_password=False)


@contextmanager
def team_database(pg_url: str, clerks: int, folder: Path) -> Iterator[Team]:
    """Demo data, roles, a login per clerk (+ a pinger and a watcher); all dropped after."""
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(pg_url, folder))
        database = make_url(url).database or ""
        stack.callback(_drop_roles, pg_url, database)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        stack.callback(admin.dispose)
        svc = open_services(Settings(database_url=url, clerk="admin"))
        DemoBuilder(svc.ctx, seed=11).run(CUSTOMERS)
        ping = svc.customers.create(CustomerCreate(kind="individual", first_name="Ping0")).id
        svc.close()
        install_roles(admin)
        logins: dict[str, str] = {}
        for name, role in [("pinger", Role.CLERK), ("watcher", Role.VIEWER),
                           *((f"c{n:02d}", Role.CLERK) for n in range(clerks))]:  # fmt: skip
            logins[name] = f"{database}_{name}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE ROLE "{logins[name]}" LOGIN'))
            grant_role(admin, logins[name], role)
        yield Team(url, folder, logins, _work(admin, folder), ping)


def _drop_roles(pg_url: str, database: str) -> None:
    """The database, then its logins, then the group roles (they held its grants)."""
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.scalars(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{database}_%"}
        ).all()
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        for name in sorted(names, key=lambda n: n.endswith(("_viewer", "_clerk", "_manager"))):
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()


def _work(admin: Any, folder: Path) -> Path:
    with admin.connect() as conn:
        rows = conn.execute(
            text("SELECT id, last_name, email, phone_digits FROM customer "
                 "WHERE erased_at IS NULL AND first_name NOT LIKE 'Ping%' ORDER BY id")
        ).all()  # fmt: skip
    queries: list[str] = []
    for _cid, last, email, digits in rows[:: max(1, len(rows) // 300)]:
        queries += [q for q in (last, (email or "").split("@")[0][:6], (digits or "")[-6:]) if q]
    hot = [int(r[0]) for r in rows[:HOT]]
    work = {"queries": queries, "hot": hot, "customers": [int(r[0]) for r in rows],
            "reference": f"bench-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    path = folder / "work.json"
    path.write_text(json.dumps(work))
    return path


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=REPO, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def _ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"{proc.args!r} did not start ({line!r})")


def run_phase(team: Team, clerks: int, seconds: float, think_ms: float) -> Phase:
    watcher_out, stop = team.folder / f"seen-{clerks}.json", team.folder / f"stop-{clerks}"
    watcher = _start(["benchmarks.team_watcher", "--db", team.login_url("watcher"),
                      "--customer", str(team.ping_customer), "--out", str(watcher_out),
                      "--stop", str(stop)])  # fmt: skip
    procs: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        _ready(watcher)
        for n in range(clerks):
            out = team.folder / f"clerk-{clerks}-{n}.json"
            proc = _start(["benchmarks.team_clerk", "--db", team.login_url(f"c{n:02d}"),
                           "--work", str(team.work), "--out", str(out), "--seconds", str(seconds),
                           "--seed", str(1000 * clerks + n),  # unique across phases
                           "--think-ms", str(think_ms)])  # fmt: skip
            procs.append((proc, out))
        for proc, _out in procs:
            _ready(proc)
        for proc, _out in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.close()
        committed = _ping(team, seconds, first=1000 * clerks)
        for proc, _out in procs:
            proc.wait(timeout=seconds + 600)
        time.sleep(3 * PING_EVERY_S)  # the last change has time to reach the screen
        stop.touch()
        watcher.wait(timeout=120)
    finally:
        for proc in [watcher, *(p for p, _ in procs)]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    seen: dict[str, float] = json.loads(watcher_out.read_text())
    paint = _painted(committed, seen)
    results = [json.loads(out.read_text()) for _proc, out in procs]
    overtaken = sum(1 for token in committed if token not in seen)
    return Phase(clerks, seconds, results, paint, len(committed), overtaken)


def _painted(committed: dict[str, float], seen: dict[str, float]) -> list[float]:
    """Commit to shown, per change (ms). A change the next one overtook before the screen
    showed it counts as shown when a newer one was (the screen was at least that new)."""
    out: list[float] = []
    later: float | None = None
    for token, at in reversed(list(committed.items())):  # oldest last
        if token in seen:
            later = seen[token] if later is None else min(later, seen[token])
        if later is not None:
            out.append((later - at) * 1000)
    return out


def _ping(team: Team, seconds: float, *, first: int) -> dict[str, float]:
    """Rename the watched customer about once a second; the wall time of each commit."""
    svc = open_services(Settings(database_url=team.login_url("pinger"), clerk="pinger",
                                 live="off"))  # fmt: skip
    committed: dict[str, float] = {}
    deadline = time.monotonic() + seconds
    stop = threading.Event()
    try:
        while time.monotonic() < deadline and not stop.is_set():
            stop.wait(PING_EVERY_S)
            token = f"Ping{first + len(committed) + 1}"  # never one an earlier phase used
            current = svc.customers.get(team.ping_customer)
            svc.customers.update(team.ping_customer, CustomerUpdate(first_name=token),
                                 expected_version=current.version)  # fmt: skip
            committed[token] = time.time()
    finally:
        svc.close()
    return committed


def lost_updates(team: Team, phases: list[Phase]) -> dict[str, Any]:
    """Acknowledged edits the history shows replacing something other than what their clerk
    saw (another clerk's change overwritten unseen), or not at all; acknowledged payments
    the database does not have."""
    edits = [e for phase in phases for r in phase.results for e in r["edits"]]
    paid: dict[int, int] = {}
    for phase in phases:
        for result in phase.results:
            for cid, n in result["paid"].items():
                paid[int(cid)] = paid.get(int(cid), 0) + n
    reference = json.loads(team.work.read_text())["reference"]
    admin = create_engine(team.url)
    with admin.connect() as conn:
        replaced: dict[str, str | None] = dict(conn.execute(
            text("SELECT new_value, old_value FROM change_history WHERE entity = 'customer' "
                 "AND field = 'first_name' AND new_value LIKE 'E%n%'")
        ).tuples().all())  # fmt: skip
        stored: dict[int, int] = dict(conn.execute(
            text("SELECT customer_id, count(*) FROM payment WHERE reference = :r "
                 "GROUP BY customer_id"), {"r": reference},
        ).tuples().all())  # fmt: skip
    admin.dispose()
    lost_edits = sum(1 for _cid, token, seen in edits if token not in replaced
                     or replaced[token] != seen)  # fmt: skip
    lost_payments = sum(abs(stored.get(c, 0) - n) for c, n in paid.items())
    lost_payments += sum(n for c, n in stored.items() if c not in paid)
    return {"measure": "acknowledged, then looked for", "edits": len(edits),
            "edits lost": lost_edits, "payments": sum(paid.values()),
            "payments lost": lost_payments}  # fmt: skip


def _ratio(full: str, ref: str) -> str:
    try:
        return f"{float(full) / float(ref):.2f}x"
    except (ValueError, ZeroDivisionError):
        return ""


def _ratios(label: str, full: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": label}
    for key, value in full.items():
        if key not in ("measure", "ops", "shown", "overtaken", "conflicts", "errors"):
            out[key] = _ratio(value, ref[key])
    return out


Tables = list[tuple[str, list[dict[str, Any]]]]


def run(
    db_url: str, *, seconds: float = 300.0, clerks: int = 20, think_ms: float = 100.0
) -> Tables:
    """Benchmark entry (PostgreSQL only): (title, rows) for each table to print."""
    reference_s = min(seconds, max(20.0, seconds / 5))
    with (
        tempfile.TemporaryDirectory(prefix="crm-team-") as tmp,
        team_database(db_url, clerks, Path(tmp)) as team,
    ):
        alone = run_phase(team, 1, reference_s, think_ms)
        many = run_phase(team, clerks, seconds, think_ms)
        lost = lost_updates(team, [alone, many])
        errors = [e for r in alone.results + many.results for e in r["errors"]]
    for line in errors[:5]:
        print(f"  ! {line}")
    names = (f"1 clerk, {reference_s:.0f} s (reference)", f"{clerks} clerks, {seconds:.0f} s")
    ops = [alone.row(names[0]), many.row(names[1])]
    paint = [alone.paint_row(names[0]), many.paint_row(names[1])]
    ratio = f"{clerks} clerks / 1 clerk"
    return [
        (f"operations (ms; think time {think_ms:.0f} ms)", [*ops, _ratios(ratio, *ops[::-1])]),
        ("commit on one screen -> shown on another (ms)",
         [*paint, _ratios(ratio, *paint[::-1])]),
        ("lost updates (aim 0)", [lost]),
    ]  # fmt: skip
