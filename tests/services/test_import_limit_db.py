"""The clerks' import limit held by PostgreSQL (migration 0018): each import that writes
has an import_run row; the customers it adds point at it, the database counts them and
refuses a non-manager's run past 1,000. Real logins, the app fooled into trying, and raw
connections."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from crm_tui.services.errors import PermissionRefused
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services
from crm_tui.services.roles import Permissions
from tests.conftest import PgTeam
from tests.services.test_owners import raw

ADD = (
    "INSERT INTO customer (kind, status, sort_name, loyalty_points, contact_channels, "
    "created_at, updated_at, version, first_name, import_run_id) "
    "SELECT 'individual', 'active', 'raw ' || n, 0, '', now(), now(), 1, 'Raw', %s "
    "FROM generate_series(1, %s) AS n"
)


def people(path: Path, count: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Last name", "Email"])
        for i in range(count):
            writer.writerow([f"Row{i}", "Import", f"row{i}@example.com"])
    return path


def test_an_app_that_slips_past_its_check_is_stopped_at_the_limit(
    pg_team: PgTeam, as_role: dict[str, Services], tmp_path: Path
) -> None:
    """A clerk's import that wrongly believes it may import 1,200 rows: PostgreSQL lets
    the first 1,000 customers in and refuses the batch that passes the limit, in the
    role's sentence; the run's row says who and how many."""
    clerk = as_role["clerk"]
    login = pg_team.logins["clerk"]
    fooled = replace(clerk.ctx, permissions=Permissions.unrestricted(login))
    with pytest.raises(PermissionRefused) as info:
        ImportService(fooled).run(people(tmp_path / "big.csv", 1200), batch=500)
    assert info.value.message == (
        f"As a clerk ({login}) you cannot import more than 1,000 rows at once; "
        "that needs the manager role."
    )
    with raw(pg_team, "viewer") as conn:
        runs = conn.execute("SELECT login, customers, source FROM import_run").fetchall()
        added = conn.execute("SELECT count(*) FROM customer WHERE import_run_id IS NOT NULL")
        assert runs == [(login, 1000, "big.csv")]
        assert added.fetchone() == (1000,)
    # A manager's import of the same file is not limited.
    summary = ImportService(as_role["manager"].ctx).run(tmp_path / "big.csv", on_duplicate="skip")
    assert summary.created == 200


def test_raw_connections_cannot_pass_or_reset_the_count(pg_team: PgTeam) -> None:
    """Without the app: a clerk's run takes 1,000 customers, not one more; the clerk can
    neither start a run with a count of their choosing nor lower one; a manager's run
    takes more."""
    with raw(pg_team, "clerk") as conn:
        run = conn.execute(
            "INSERT INTO import_run (source, login, customers, started_at) "
            "VALUES ('raw.csv', 'someone', -5000, now()) RETURNING id, login, customers"
        ).fetchone()
        assert run is not None
        assert run[1:] == (pg_team.logins["clerk"], 0)
        conn.execute(ADD, (run[0], 1000))
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            conn.execute(ADD, (run[0], 1))
        assert refused.value.diag.message_hint == "crm:import_large"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE import_run SET customers = 0 WHERE id = %s", (run[0],))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM import_run WHERE id = %s", (run[0],))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # 1,001 in one statement
            second = conn.execute(
                "INSERT INTO import_run (source, login, customers, started_at) "
                "VALUES ('raw2.csv', '', 0, now()) RETURNING id"
            ).fetchone()
            assert second is not None
            conn.execute(ADD, (second[0], 1001))
        assert conn.execute("SELECT count(*) FROM customer").fetchone() == (1000,)
    with raw(pg_team, "manager") as conn:
        run = conn.execute(
            "INSERT INTO import_run (source, login, customers, started_at) "
            "VALUES ('big.csv', '', 0, now()) RETURNING id"
        ).fetchone()
        assert run is not None
        conn.execute(ADD, (run[0], 1500))
        assert conn.execute(
            "SELECT customers FROM import_run WHERE id = %s", (run[0],)
        ).fetchone() == (1500,)
