"""The demo on PostgreSQL writes each table of a batch by one COPY: the data of executemany.

Under executemany every row was a statement of its own, so the statement
triggers (dashboard figures, search words, change notices) ran once a row;
one COPY per table runs them once a batch (multi-row INSERTs where row-level
security refuses COPY to the login). The same seed must still give the same
rows in every table.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Table, create_engine, insert, text

from crm_tui.config import Settings
from crm_tui.services.checks import check_database
from crm_tui.services.demo import builder as demo_module
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.demo.bulk_insert import BulkInsert
from crm_tui.services.registry import open_services
from tests.conftest import PgServer

AS_OF = date(2026, 1, 15)
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def core_executemany(_self: BulkInsert, conn: Connection, table: Table, rows: list[Any]) -> None:
    """How a batch went in before: Core's executemany, a statement per row."""
    if rows:
        conn.execute(insert(table), rows)


def every_table(url: str, since: datetime) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, sorted, with the wall-clock stamps taken since `since` blanked.
    The dashboard's per-day changes that sum to nothing are left out: a trigger run per
    row left such days behind, one run per batch adds only the net change of a day."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).all()
            got = {}
            for name in names:
                query = f'SELECT * FROM "{name}"'
                if name == "dashboard_active":
                    query += " WHERE customers <> 0"
                rows = conn.execute(text(query)).all()
                got[name] = sorted(
                    (tuple("<now>" if _stamped(v, since) else v for v in row) for row in rows),
                    key=repr,
                )
            return got
    finally:
        engine.dispose()


def _stamped(value: Any, since: datetime) -> bool:
    """A time of the run itself: a stamp, or one written as text in the history."""
    if isinstance(value, str) and _STAMP.match(value):
        return value.replace("T", " ") >= since.strftime("%Y-%m-%d %H:%M:%S")
    return isinstance(value, datetime) and value.tzinfo is not None and value >= since


def test_copy_stores_what_executemany_stored(pg_server: PgServer) -> None:
    """90 customers in batches of 20 by COPY, by multi-row INSERTs (where row-level
    security refuses COPY to a login) and by executemany: every table holds the same
    rows, and a full check passes on the first two."""
    since = datetime.now(UTC).replace(microsecond=0)
    names = [pg_server.create() for _ in range(3)]
    try:
        for name, how in zip(names, ("copy", "statements", "executemany"), strict=True):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(demo_module, "BATCH", 20)
                if how == "executemany":
                    patch.setattr(BulkInsert, "insert", core_executemany)
                if how == "statements":
                    patch.setattr(BulkInsert, "_copy_allowed", lambda *_args: False)
                services = open_services(
                    Settings(database_url=pg_server.url_for(name), clerk="tester")
                )
                try:
                    DemoBuilder(services.ctx, seed=5, as_of=AS_OF).run(90)
                    if how != "executemany":
                        report = check_database(services.ctx.db.engine, full=True)
                        assert report.ok, report.problems
                finally:
                    services.close()
        copied, inserted, executed = (every_table(pg_server.url_for(n), since) for n in names)
        assert copied.keys() == inserted.keys() == executed.keys()
        for table in copied:
            assert copied[table] == executed[table], table
            assert inserted[table] == executed[table], table
        assert len(copied["payment"]) > 90
    finally:
        for name in names:
            pg_server.drop(name)
