"""Adversarial case 8: drift `crm db check` must see, and `crm db repair` must mend.

Each drift is what the adversarial run did to a copy of a database by hand
(psql / sqlite3); `apply_drift` does it again on a database that
`drift_setup` filled with a survivor and a customer merged into it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.reliability.adversarial.common import CaseResult, Size, fresh
from crm_tui.services import checks
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services

NOTE = ("INSERT INTO note (customer_id, type, title, body, pinned, done, visibility, author, "
        "created_at, version) VALUES ({customer}, 'note', 'Stray', '', {false}, {false}, "
        "'internal', 'x', CURRENT_TIMESTAMP, 1)")  # fmt: skip
# name -> (SQLite statements, PostgreSQL statements, whether repair can mend it);
# None where the engine cannot have that drift.
DRIFTS: dict[str, tuple[list[str] | None, list[str] | None, bool]] = {
    "dropped index": (["DROP INDEX ix_customer_sort_name"],
                      ["DROP INDEX ix_customer_sort_name"], True),
    "dropped search trigger": (["DROP TRIGGER customer_search_au"], None, True),
    "dropped search index": (None, ["DROP INDEX ix_customer_search_trgm"], True),
    "dropped unique e-mail": (None, ["ALTER TABLE customer DROP CONSTRAINT customer_email_key_key"], True),
    "merged customer holding a note": ([NOTE.format(customer="{gone}", false=0)],
                                       [NOTE.format(customer="{gone}", false="false")], True),
    "stale search document": (["UPDATE customer_search SET doc = 'somebody else' WHERE customer_id = {keep}"],
                              ["UPDATE customer_search SET doc = 'somebody else' WHERE customer_id = {keep}"], True),
    "orphan note": (["PRAGMA foreign_keys = OFF", NOTE.format(customer=999999, false=0)],
                    ["SET session_replication_role = replica", NOTE.format(customer=999999, false="false"),
                     "SET session_replication_role = DEFAULT"], False),
    "dangling merged_into_id": (["PRAGMA foreign_keys = OFF",
                                 "UPDATE customer SET merged_into_id = 999998 WHERE id = {gone}"],
                                ["SET session_replication_role = replica",
                                 "UPDATE customer SET merged_into_id = 999998 WHERE id = {gone}",
                                 "SET session_replication_role = DEFAULT"], False),
    "duplicate e-mails without the unique constraint": (
        None, ["ALTER TABLE customer DROP CONSTRAINT customer_email_key_key",
               "UPDATE customer SET email_key = 'kept@drift.example' WHERE id = {other}"], False),
}  # fmt: skip
DRIFT_NAMES = list(DRIFTS)


def drift_setup(services: Services) -> dict[str, int]:
    """A survivor, a customer merged into it, and one more customer."""
    keep = services.customers.create(
        CustomerCreate(first_name="Kept", email="kept@drift.example")
    ).id
    gone = services.customers.create(
        CustomerCreate(first_name="Gone", email="gone@drift.example")
    ).id
    MergeService(services.ctx).merge([keep, gone], keep=keep)
    other = services.customers.create(
        CustomerCreate(first_name="Other", email="other@drift.example")
    ).id
    return {"keep": keep, "gone": gone, "other": other}


def apply_drift(engine: Engine, name: str, ids: dict[str, int]) -> bool | None:
    """Break the database; whether repair can mend it (None: not on this engine)."""
    sqlite, postgresql, mendable = DRIFTS[name]
    statements = sqlite if engine.dialect.name == "sqlite" else postgresql
    if statements is None:
        return None
    if engine.dialect.name == "sqlite":
        _run_sqlite(engine, statements, ids)
        return mendable
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement.format(**ids)))
    return mendable


def _run_sqlite(engine: Engine, statements: list[str], ids: dict[str, int]) -> None:
    """On the driver's connection: SQLite ignores PRAGMA foreign_keys inside a transaction
    (and the engine begins one for every statement it runs)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement in statements:
            cursor.execute(statement.format(**ids))
        raw.commit()
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


def check_sees_drift(url: str, folder: Path, size: Size) -> CaseResult:
    """After each drift `check` reports a problem; `repair` mends what it can, says the rest."""
    result = CaseResult("8. db check sees drift, db repair mends it")
    del size
    for n, name in enumerate(DRIFT_NAMES):
        with fresh(url, folder / f"drift-{n}") as services:
            ids = drift_setup(services)
            engine = services.ctx.db.engine
            clean = check_database(engine)
            mendable = apply_drift(engine, name, ids)
            if mendable is None:
                continue
            seen = check_database(engine)
            result.attempt(clean.ok and not seen.ok, f"{name}: check before {clean.problems[:1]}, "
                                                     f"after drift {seen.problems[:1]}")  # fmt: skip
            repair = getattr(checks, "repair_database", None)
            if repair is None:  # before issue 18 there was no repair
                result.attempt(False, f"{name}: no repair")
                continue
            repaired = repair(engine)
            after = check_database(engine)
            if mendable:
                result.attempt(after.ok, f"{name}: after repair {after.problems[:2]}")
            else:
                result.attempt(not after.ok and not repaired.ok, f"{name}: repair claimed success")
    return result
