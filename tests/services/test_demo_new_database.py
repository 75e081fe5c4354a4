"""A demo into a database file that does not exist yet is built beside it and put in place whole.

The rows are those of a demo into an existing database with the same seed
(wall-clock stamps aside), every index of the migrated schema is there
after, and a load stopped, failed or killed leaves nothing at the target.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_tui.config import Settings
from crm_tui.services.checks import check_database
from crm_tui.services.demo import builder as demo_module
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.demo.new_database import build_new_database, new_database_path
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import open_services

AS_OF = date(2026, 1, 15)
CUSTOMERS = 90
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def settings_for(path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{path}", clerk="tester", default_region="GB")


def build_new(path: Path, customers: int = CUSTOMERS, **kwargs: Any) -> Any:
    return build_new_database(settings_for(path), path, customers, seed=5, as_of=AS_OF, **kwargs)


def tables_of(path: Path, since: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted (FTS shadow tables included), the wall-clock
    stamps taken at or after `since` (creation times of reference rows, invoices,
    reminders) blanked: the demo's own times are all before AS_OF's evening."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]  # fmt: skip
        got = {}
        for name in names:
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            got[name] = sorted((tuple(_blank(v, since) for v in row) for row in rows), key=repr)
        return got
    finally:
        conn.close()


def _blank(value: Any, since: str) -> Any:
    if isinstance(value, str) and _STAMP.match(value) and value.replace("T", " ") >= since:
        return "<now>"
    return value


def schema_of(path: Path) -> list[tuple[Any, ...]]:
    """Every table, index, trigger and view with its text; a table's lines in sorted order
    (the migrations that rebuild a table list its foreign keys in no fixed order)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
        ).fetchall()
    finally:
        conn.close()
    return [
        (kind, name, table, sorted(line.strip().rstrip(",") for line in (sql or "").split("\n")))
        if kind == "table"
        else (kind, name, table, sql)
        for kind, name, table, sql in rows
    ]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own for the target (tmp_path holds the test's home too)."""
    made = tmp_path / "data"
    made.mkdir()
    return made


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 20, drawn in the drawing process as a large demo's are."""
    monkeypatch.setattr(demo_module, "BATCH", 20)
    monkeypatch.setattr(demo_module, "PROCESS_FROM", 1)


def test_a_new_file_holds_what_a_demo_in_place_writes(
    tmp_path: Path, folder: Path, sqlite_template: Path, small_batches: None
) -> None:
    """Built as a new file (indexes set aside during the load): the same rows in every
    table as the same seed added to a migrated database, the same schema (every index
    made again), a full check passes, the file is private and nothing else is left."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    target = folder / "crm.sqlite3"
    assert new_database_path(settings_for(target)) == target
    result = build_new(target)
    assert result.customers == CUSTOMERS and result.invoices > 0
    assert sorted(p.name for p in folder.iterdir()) == ["crm.sqlite3"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    in_place = tmp_path / "in-place.sqlite3"
    shutil.copy(sqlite_template, in_place)
    services = open_services(settings_for(in_place))
    try:
        DemoBuilder(services.ctx, seed=5, as_of=AS_OF).run(CUSTOMERS)
    finally:
        services.close()

    assert schema_of(target) == schema_of(in_place)
    assert tables_of(target, since) == tables_of(in_place, since)
    # The planner has statistics for the tables whose indexes were made again (without
    # them a 100k demo's invoices took 61 s instead of 3).
    conn = sqlite3.connect(target)
    try:
        analysed = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    finally:
        conn.close()
    assert {"payment", "customer", "customer_summary"} <= analysed
    services = open_services(settings_for(target))
    try:
        report = check_database(services.ctx.db.engine, full=True)
        assert report.ok, report.problems
    finally:
        services.close()


def test_a_stopped_load_leaves_nothing_at_the_target(folder: Path, small_batches: None) -> None:
    """Stopped after two batches: the result says how far it got, and neither the
    database nor any temp, journal or WAL file is left in the folder."""
    target = folder / "crm.sqlite3"
    done: list[int] = []
    result = build_new(target, progress=done.append, cancelled=lambda: len(done) >= 2)
    assert result.customers == 40
    assert list(folder.iterdir()) == []


def test_a_file_made_at_the_target_meanwhile_is_not_written_over(
    folder: Path, small_batches: None
) -> None:
    """Someone creates the target during the load: the demo is refused at the end, their
    file is left as it is, the temp file is gone."""
    target = folder / "crm.sqlite3"

    def someone_else(_count: int) -> None:
        if not target.exists():
            target.write_bytes(b"theirs")

    with pytest.raises(ValidationError, match="appeared"):
        build_new(target, customers=40, progress=someone_else)
    assert target.read_bytes() == b"theirs"
    assert [p.name for p in folder.iterdir()] == ["crm.sqlite3"]


KILLED_AFTER_A_BATCH = """
import os, signal, sys
from datetime import date
from pathlib import Path
from crm_tui.config import Settings
from crm_tui.services.demo import builder
from crm_tui.services.demo.new_database import build_new_database

builder.BATCH, builder.PROCESS_FROM = 20, 1
target = Path(sys.argv[1])
build_new_database(
    Settings(database_url=f"sqlite:///{target}", clerk="tester"), target, 200, seed=5,
    as_of=date(2026, 1, 15), progress=lambda _n: os.kill(os.getpid(), signal.SIGKILL),
)
"""


def test_a_killed_demo_leaves_no_database_and_the_next_clears_its_leftovers(
    folder: Path,
) -> None:
    """A demo killed mid-load leaves no file at the target (only its temp files, hidden);
    the next demo to that name clears them and puts a whole database in place."""
    target = folder / "crm.sqlite3"
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_A_BATCH, str(target)], check=False)
    assert killed.returncode == -signal.SIGKILL
    assert not target.exists()
    leftovers = [p.name for p in folder.iterdir()]
    assert leftovers and all(name.startswith(".crm.sqlite3.") for name in leftovers)
    assert new_database_path(settings_for(target)) == target

    result = build_new(target, customers=30)
    assert result.customers == 30
    assert [p.name for p in folder.iterdir()] == ["crm.sqlite3"]


def test_an_existing_database_is_filled_in_place(folder: Path) -> None:
    """Only a plain SQLite path with nothing there (nor a journal or WAL left by an old
    database) is built as a new file: clerks may have an existing one open, even empty."""
    target = folder / "crm.sqlite3"
    assert new_database_path(settings_for(target)) == target
    for leftover in ("-wal", "-journal"):
        side = folder / f"crm.sqlite3{leftover}"
        side.write_bytes(b"")
        assert new_database_path(settings_for(target)) is None
        side.unlink()
    target.write_bytes(b"")
    assert new_database_path(settings_for(target)) is None
    os.symlink(folder / "elsewhere.sqlite3", folder / "link.sqlite3")
    assert new_database_path(settings_for(folder / "link.sqlite3")) is None
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/crm"
    assert new_database_path(Settings(database_url=url, clerk="tester")) is None


def test_only_indexes_filled_out_of_order_are_set_aside(
    sqlite_template: Path, folder: Path
) -> None:
    """Set aside: the non-unique indexes not led by customer_id; kept: those led by it (each
    batch reads through them) and every unique one (rules, not only speed)."""
    from crm_tui.db.engine import make_engine
    from crm_tui.services.demo.load_indexes import set_aside

    copy = folder / "copy.sqlite3"
    shutil.copy(sqlite_template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with engine.begin() as conn:
            aside = {name for name, _sql in set_aside(conn).indexes}
            left = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).all()
    finally:
        engine.dispose()
    assert {"ix_payment_paid_at", "ix_customer_sort_name", "ix_summary_ltv"} <= aside
    kept = {name for name, _sql in left}
    assert {"ix_payment_customer_id", "uq_invoice_line_order_item"} <= kept
    assert all("customer_id" in sql or "UNIQUE" in sql for _name, sql in left)


def test_indexes_made_again_sort_in_files_and_the_connection_keeps_its_temp_store(
    sqlite_template: Path, folder: Path
) -> None:
    """Sorted in memory, a million customers' payment index took 530 MB; in temp files
    21 MB. Every CREATE INDEX runs with temp_store FILE (2 is MEMORY), and the pooled
    connection gets its own setting back."""
    from crm_tui.db.engine import make_engine
    from crm_tui.services.demo.load_indexes import set_aside

    copy = folder / "copy.sqlite3"
    shutil.copy(sqlite_template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    statements: list[str] = []
    try:
        with engine.begin() as conn:
            aside = set_aside(conn)
            raw = conn.connection.dbapi_connection
            assert isinstance(raw, sqlite3.Connection)
            raw.set_trace_callback(lambda sql: statements.append(sql.strip()))
        aside.make_again(engine)  # the same pooled connection
        with engine.connect() as conn:
            after = conn.exec_driver_sql("PRAGMA temp_store").scalar_one()
            made = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'")}  # fmt: skip
    finally:
        engine.dispose()
    creates = [i for i, sql in enumerate(statements) if sql.upper().startswith("CREATE INDEX")]
    assert len(creates) == len(aside.indexes) > 0
    assert statements.index("PRAGMA temp_store = FILE") < creates[0]
    assert not any("temp_store" in sql for sql in statements[creates[0] : creates[-1]])
    assert after == 2
    assert {name for name, _sql in aside.indexes} <= made
