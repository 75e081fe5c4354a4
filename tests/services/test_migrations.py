"""Alembic migrations on an empty database: up to head, down to base, up again, and races."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers every table on the metadata)
from crm_tui.config import Settings
from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services

SRC = Path(__file__).resolve().parents[2] / "src"
MODEL_TABLES = set(SQLModel.metadata.tables)

# Each racer imports first, then waits for a shared start time, so the
# migrations themselves overlap rather than the interpreter start-ups.
RACER = """
import sys, time
from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
url, start = sys.argv[1], float(sys.argv[2])
engine = make_engine(url)
while time.time() < start:
    time.sleep(0.001)
migrate.upgrade(engine)
engine.dispose()
"""


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    eng = make_engine(empty_url)
    yield eng
    eng.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def assert_schema_matches_models(engine: Engine) -> None:
    """Every model table exists with exactly the model's columns; revision is head."""
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= MODEL_TABLES
    for name, table in SQLModel.metadata.tables.items():
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert columns == set(table.columns.keys()), name
    assert migrate.current_revision(engine) == migrate.head_revision()


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]


def test_upgrade_downgrade_upgrade_on_empty_database(engine: Engine) -> None:
    """Head creates every model table; base removes them all; head again recreates them."""
    assert tables(engine) & MODEL_TABLES == set()
    migrate.upgrade(engine)
    assert_schema_matches_models(engine)
    assert version_rows(engine) == [migrate.head_revision()]

    migrate.downgrade(engine, "base")
    assert tables(engine) & MODEL_TABLES == set()
    assert migrate.current_revision(engine) is None
    leftover = tables(engine) - {"alembic_version"}
    assert leftover == set(), f"downgrade left tables behind: {sorted(leftover)}"

    migrate.upgrade(engine)
    assert_schema_matches_models(engine)
    assert version_rows(engine) == [migrate.head_revision()]


def test_upgrade_is_a_no_op_when_current(engine: Engine) -> None:
    """A second upgrade of a current database changes nothing and keeps one version row."""
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    migrate.ensure_current(engine)
    assert version_rows(engine) == [migrate.head_revision()]
    assert migrate.is_current(engine)


def test_opening_services_migrates_a_new_database(empty_url: str) -> None:
    """The app's first start on an empty database migrates it and can save a customer."""
    services = open_services(Settings(database_url=empty_url, clerk="tester"))
    try:
        created = services.customers.create(
            CustomerCreate(first_name="Ana", email="ana@example.pt")
        )
        assert services.customers.get(created.id).email == "ana@example.pt"
        assert migrate.is_current(services.ctx.db.engine)
    finally:
        services.close()


def test_every_revision_step_goes_up_and_down(engine: Engine) -> None:
    """Walking the revisions one step at a time up and back down works on each engine."""
    migrate.upgrade(engine)
    head = migrate.head_revision()
    steps = 0
    while migrate.current_revision(engine) is not None:
        migrate.downgrade(engine, "-1")
        steps += 1
        assert steps < 100
    for _ in range(steps):
        migrate.upgrade(engine, "+1")
    assert migrate.current_revision(engine) == head
    assert_schema_matches_models(engine)


def race(url: str, processes: int) -> list[subprocess.CompletedProcess[str]]:
    """Run `processes` interpreters that all migrate `url` at the same moment."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    start = time.time() + 3.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, url, repr(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(processes)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_processes_migrating_one_new_database_at_once_both_succeed(
    empty_url: str, engine: Engine
) -> None:
    """Processes starting together on a new database all succeed; it is migrated once."""
    results = race(empty_url, 3)
    failures = [r.stderr[-2000:] for r in results if r.returncode != 0]
    assert failures == []
    assert version_rows(engine) == [migrate.head_revision()]
    assert_schema_matches_models(engine)


def test_schema_head_constant_matches_alembic() -> None:
    """The fast start-up check knows the real newest migration."""
    from crm_tui.db.schema_head import SCHEMA_HEAD

    assert migrate.head_revision() == SCHEMA_HEAD


def test_0007_moves_existing_payments_out_of_credit(engine: Engine) -> None:
    """Payments taken before invoices existed settle no invoice, and no balance is outstanding."""
    migrate.upgrade(engine, "0006")
    money = "1999" if engine.dialect.name == "sqlite" else "19.99"  # SQLite keeps cents
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (id, kind, status, sort_name, contact_channels,"
                " loyalty_points, created_at, updated_at, version)"
                " VALUES (1, 'individual', 'active', 'ana', '', 0, :now, :now, 1)"
            ),
            {"now": "2025-01-01 00:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO payment (customer_id, paid_at, amount, currency, status,"
                f" created_at, version) VALUES (1, :now, {money}, 'GBP', 'pending', :now, 1)"
            ),
            {"now": "2025-01-01 00:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO customer_summary (customer_id, lifetime_value, outstanding_balance,"
                " paid_payments, active_subscriptions, ended_subscriptions, active_monthly,"
                f" order_count, order_total) VALUES (1, 0, {money}, 0, 0, 0, 0, 0, 0)"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert not conn.execute(text("SELECT settles_invoices FROM payment")).scalar()
        owed = conn.execute(text("SELECT outstanding_balance FROM customer_summary")).scalar()
        assert owed == 0
    migrate.downgrade(engine, "0006")
    with engine.connect() as conn:  # back to the old meaning: pending payments
        owed = conn.execute(text("SELECT outstanding_balance FROM customer_summary")).scalar()
        assert str(owed) == money
