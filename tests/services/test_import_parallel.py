"""Reading and preparing rows in a second process changes nothing an import does."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm_tui.config import Settings
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports import pipeline
from crm_tui.services.imports.formats import SourceRecord, open_source
from crm_tui.services.imports.mapping import Mapping, recognise
from crm_tui.services.imports.pipeline import (
    BULK_CHECKPOINT_PAGES,
    Progress,
    fewer_checkpoints,
    pairs_from_child,
)
from crm_tui.services.imports.rows import PreparedRow, RowContext
from crm_tui.services.imports.service import ImportService, prepare_record
from crm_tui.services.registry import Services, open_services

HEADER = "Name,Email,Phone,Street,City,Country,Tags,Memo"


def _file(path: Path) -> Path:
    """Rows of every kind: new, repeated in the file, card numbers, bad values, no name."""
    lines = [HEADER]
    for i in range(60):
        email = f"p{i % 45}@example.com" if i % 9 else "broken@"
        phone = f"+44 7400 {100000 + i % 50}" if i % 4 else ""
        memo = "4111 1111 1111 1111" if i == 17 else ("" if i % 5 else f"note {i}")
        name = "" if i == 23 else f"Person {i} Surname"
        street, city = (f"{i} High St", "Leeds") if i % 3 else ("", "")
        lines.append(f'{name},{email},{phone},{street},{city},GB,"vip, t{i % 4}",{memo}')
    lines.append("Ana Lima,ana@example.pt,+351 912 345 678,Rua 1,Lisboa,PT,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _serial(path: Path, mapping: Mapping, context: RowContext) -> list[Any]:
    with open_source(path) as source:
        return [_key(r, prepare_record(r, mapping, context)) for r in source.records()]


def _key(record: SourceRecord, row: PreparedRow) -> tuple[Any, ...]:
    return (record.number, record.error, record.halts, row)


def test_child_prepares_what_the_parent_would(tmp_path: Path) -> None:
    """The child's (record, row) pairs equal the serial ones, row for row, in order."""
    path = _file(tmp_path / "people.csv")
    with open_source(path) as source:
        mapping = recognise(source.headers)
        context = RowContext(source.headers, "GB", None, {})
    progress = Progress()
    pairs = [_key(r, row) for r, row in pairs_from_child(path, mapping, context,
                                                          prepare_record, progress)]  # fmt: skip
    assert pairs == _serial(path, mapping, context)
    assert len(pairs) == 61 and progress() == pytest.approx(1.0)
    assert not multiprocessing.active_children()


def test_child_errors_come_back_whole(tmp_path: Path) -> None:
    """A failure in the child is raised in the parent with its own class and fields."""
    path = _file(tmp_path / "people.csv")

    def failing(record: SourceRecord, mapping: Mapping, context: RowContext) -> PreparedRow:
        if record.number == 5:
            raise ValidationError("email", "The fifth row is bad.")
        return prepare_record(record, mapping, context)

    with open_source(path) as source:
        mapping = recognise(source.headers)
    context = RowContext(source.headers, "GB", None, {})
    with pytest.raises(ValidationError) as caught:
        list(pairs_from_child(path, mapping, context, failing, Progress()))
    assert (caught.value.field, caught.value.message) == ("email", "The fifth row is bad.")
    assert not multiprocessing.active_children()


@pytest.fixture
def twin(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Services]:
    """A second migrated database on the same engine as `services`."""
    if make_url(db_url).get_backend_name() == "sqlite":
        copy = tmp_path / "twin.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), copy)
        url, drop = f"sqlite:///{copy}", None
    else:
        server = request.getfixturevalue("pg_server")
        drop = server.create()
        url = server.url_for(drop)
    other = open_services(Settings(database_url=url, clerk="tester", default_region="GB"))
    yield other
    other.close()
    if drop:
        server.drop(drop)


QUERIES = {
    "people": "SELECT id, email, phone, first_name, last_name, contact_channels FROM customer",
    "points": "SELECT customer_id, kind, value, is_primary, label FROM contact_point",
    "docs": "SELECT customer_id, doc FROM customer_search",
    "tags": "SELECT customer_id, tag_id FROM customer_tag",
    "addresses": "SELECT customer_id, line1, city, country FROM address",
    "history": "SELECT customer_id, action, new_value FROM change_history",
}


def _state(services: Services) -> dict[str, Any]:
    with services.ctx.read() as session:
        return {name: sorted(tuple(r) for r in session.execute(text(sql)))
                for name, sql in QUERIES.items()}  # fmt: skip


def test_parallel_import_equals_serial(services: Services, twin: Services, tmp_path: Path) -> None:
    """The same file imported with and without the child gives the same summary, files,
    customers, contact points, search documents, tags and history, on both engines."""
    results = []
    for target, parallel in ((services, True), (twin, False)):
        folder = tmp_path / str(parallel)
        folder.mkdir()
        path = _file(folder / "people.csv")
        summary = ImportService(target.ctx).run(path, batch=7, parallel=parallel)
        counts = (summary.rows, summary.created, summary.updated, summary.skipped,
                  summary.refused, summary.unchanged)  # fmt: skip
        files = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("people.*.csv"))]
        results.append((counts, files, _state(target)))
    assert results[0] == results[1]
    counts, files, state = results[0]
    assert counts[1] > 30 and counts[3] >= 10 and counts[4] == 1 and state["docs"]
    assert len(files) == 2  # refused rows, values not imported
    assert not multiprocessing.active_children()


def test_stopping_ends_the_child(services: Services, tmp_path: Path) -> None:
    """An import stopped after its first batch ends the child reading ahead."""
    path = _file(tmp_path / "people.csv")
    summary = ImportService(services.ctx).run(
        path, batch=5, parallel=True, cancelled=lambda: True, refused_path=tmp_path / "r.csv"
    )
    assert summary.cancelled and summary.rows == 5
    assert not multiprocessing.active_children()


ORPHAN = """
import multiprocessing, os, signal, sys
from crm_tui.services.imports.formats import open_source
from crm_tui.services.imports.mapping import recognise
from crm_tui.services.imports.pipeline import Progress, pairs_from_child
from crm_tui.services.imports.rows import RowContext
from crm_tui.services.imports.service import prepare_record

with open_source(sys.argv[1]) as source:
    mapping = recognise(source.headers)
context = RowContext(source.headers, "GB", None, {})
pairs = pairs_from_child(sys.argv[1], mapping, context, prepare_record, Progress())
next(pairs)
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux")
def test_child_of_a_killed_import_ends(tmp_path: Path) -> None:
    """An import killed with -9 leaves no child behind: the orphan stops once nobody reads."""
    path = tmp_path / "many.csv"
    rows = [f"Person {i},p{i}@example.com,+44 7400 {100000 + i}" for i in range(8_000)]
    path.write_text("Name,Email,Phone\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", ORPHAN, str(path)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 60
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pid)


def test_records_travel_whole() -> None:
    """A record pickled to the parent (as the child sends it) keeps every field."""
    records = [
        SourceRecord(7, ["Ana", "ana@example.com"]),
        SourceRecord(9, ["'unclosed"], "A quote is not closed.", True, [("NOTE", "x")]),
    ]
    for record in records:
        back = pickle.loads(pickle.dumps(record))
        assert back == record and type(back) is SourceRecord
        assert back.leftovers is not record.leftovers  # a copy, not shared


def test_fewer_checkpoints_in_the_batch_transaction(services: Services) -> None:
    """The two-process import's batches checkpoint SQLite's log after BULK pages, set on
    the connection of the transaction that writes the batch; PostgreSQL is left alone."""
    with services.ctx.write() as session:
        fewer_checkpoints(session)
        if session.get_bind().dialect.name == "sqlite":
            pages = session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            assert pages == BULK_CHECKPOINT_PAGES


def test_search_text_made_by_the_child_equals_the_writers(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child makes the new rows' search text when it is ahead of the writer (AHEAD
    chunks waiting); made there always (AHEAD 0, inherited by the forked child), the
    import gives the customers, documents and history of one that reads in one process."""
    monkeypatch.setattr(pipeline, "AHEAD", 0)
    results = []
    for target, parallel in ((services, True), (twin, False)):
        folder = tmp_path / str(parallel)
        folder.mkdir()
        summary = ImportService(target.ctx).run(_file(folder / "people.csv"), batch=7,
                                                parallel=parallel)  # fmt: skip
        results.append((summary.created, summary.updated, summary.refused, _state(target)))
    assert results[0] == results[1]
    assert results[0][3]["docs"]
