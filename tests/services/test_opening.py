"""Opening a database for read, write or create, on both engines (issue 19).

Reading never creates, migrates or writes; the database itself refuses a
write made through a read-only opening; an older schema is migrated only by
a writer; nothing is built in a database that is not ours.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from crm_tui.config import Settings
from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.db.schema_head import SCHEMA_HEAD
from crm_tui.services.bulk.service import Selection
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.opening import DatabaseUnavailable, open_database, probe
from crm_tui.services.registry import Services, open_services


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def test_read_opening_refuses_writes_in_the_database(
    services: Services, settings: Settings
) -> None:
    """A write slipped past the services through a read opening fails in the database itself."""
    services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt"))
    db = open_database(settings, "read")
    try:
        with pytest.raises(DBAPIError) as caught, db.write() as session:
            session.execute(text("UPDATE customer SET loyalty_points = 9"))
        assert "read" in str(caught.value.orig).lower()  # readonly / read-only transaction
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM customer")).scalar() == 1
    finally:
        db.dispose()


def test_read_only_settings_make_every_opening_a_reader(settings: Settings) -> None:
    """--read-only turns even the app's create opening into a read-only one."""
    db = open_database(replace(settings, read_only=True), "create")
    try:
        with pytest.raises(DBAPIError), db.write() as session:
            session.execute(text("DELETE FROM tag"))
    finally:
        db.dispose()


def test_older_schema_is_migrated_by_writers_only(settings: Settings) -> None:
    """At revision 0002, readers are refused in one sentence; a writer migrates to head."""
    engine = make_engine(settings.database_url)
    migrate.downgrade(engine, "0002")
    engine.dispose()
    with pytest.raises(DatabaseUnavailable, match=r"older schema \(0002\); run `crm db upgrade`"):
        open_database(settings, "read")
    assert revision(settings.database_url) == "0002"
    open_database(settings, "write").dispose()
    assert revision(settings.database_url) == SCHEMA_HEAD


def test_read_on_an_empty_database_builds_nothing(empty_url: str) -> None:
    """Reading a database without our schema says so and creates no table."""
    settings = Settings(database_url=empty_url, clerk="t")
    with pytest.raises(DatabaseUnavailable, match="There is no crm database at"):
        open_database(settings, "read")
    with pytest.raises(DatabaseUnavailable, match="There is no crm database at"):
        open_database(settings, "write")
    assert probe(settings, "create").has_tables is False
    open_database(settings, "create").dispose()
    assert revision(empty_url) == SCHEMA_HEAD


def test_someone_elses_database_is_never_migrated(empty_url: str) -> None:
    """A database holding other tables and no crm schema is refused, even for create."""
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices_of_another_app (id integer)"))
    engine.dispose()
    settings = Settings(database_url=empty_url, clerk="t")
    for access in ("read", "write", "create"):
        with pytest.raises(DatabaseUnavailable, match="is not a crm database"):
            open_database(settings, access)
    assert revision(empty_url) is None


def test_missing_sqlite_file_is_created_only_for_create(tmp_path: Path) -> None:
    """read and write refuse a missing file without making it; create makes it 0600."""
    path = tmp_path / "new.sqlite3"
    settings = Settings(database_url=f"sqlite:///{path}", clerk="t")
    for access in ("read", "write"):
        with pytest.raises(DatabaseUnavailable, match=f"There is no crm database at {path}"):
            open_database(settings, access)
        assert not path.exists()
    open_database(settings, "create").dispose()
    assert path.stat().st_mode & 0o777 == 0o600


def test_bulk_export_works_read_only(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    """The list's export of marked rows runs on a read-only opening (no temporary table)."""
    for n in range(3):
        services.customers.create(CustomerCreate(first_name=f"Ana{n}", email=f"ana{n}@example.pt"))
    reader = open_services(replace(settings, read_only=True))
    try:
        everyone = Selection(all_matches=True, query="ana", excluded=frozenset({2}))
        result = reader.bulk.export(everyone, tmp_path / "marked.csv")
        assert result.changed == 2
        marked = Selection(ids=frozenset({1, 3}))
        assert reader.bulk.export(marked, tmp_path / "two.csv").changed == 2
    finally:
        reader.close()
