"""`crm db check` sees drift and `crm db repair` mends it (issue 18, hole 8).

The adversarial run found check calling the database sound after dropped
indexes, dropped search triggers, a merged customer still holding children,
a stale search document, an orphan note, a dangling merged_into_id and a
dropped unique e-mail constraint (ten duplicate e-mails followed).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from benchmarks.reliability.adversarial.drift import DRIFT_NAMES, apply_drift, drift_setup
from crm_tui.cli.main import cli
from crm_tui.services.checks import check_database, repair_database
from crm_tui.services.registry import Services


@pytest.fixture
def ids(services: Services) -> Iterator[dict[str, int]]:
    yield drift_setup(services)


def test_a_fresh_database_is_sound(services: Services, ids: dict[str, int]) -> None:
    """Built by the migrations, with a merge done by the service: nothing to report."""
    report = check_database(services.ctx.db.engine, full=True)
    assert report.problems == []
    assert report.documents_compared == 3  # survivor, merged customer, other


@pytest.mark.parametrize("name", DRIFT_NAMES)
def test_check_sees_each_drift_and_repair_mends_or_says_why(
    services: Services, ids: dict[str, int], name: str
) -> None:
    """Each drift is a problem; repair mends the mendable, and names the rest."""
    engine = services.ctx.db.engine
    mendable = apply_drift(engine, name, ids)
    if mendable is None:
        pytest.skip(f"{name} cannot be made on {engine.dialect.name}")
    seen = check_database(engine)
    assert not seen.ok, name
    repaired = repair_database(engine)
    after = check_database(engine)
    if mendable:
        assert after.problems == [], (name, repaired.failed)
        assert repaired.done
    else:
        assert not after.ok
        assert not repaired.ok


def test_cli_check_and_repair(services: Services, ids: dict[str, int]) -> None:
    """`crm db check` exits 1 listing the problem; `crm db repair` exits 0 and check is clean."""
    url = services.ctx.db.engine.url.render_as_string(hide_password=False)
    engine = services.ctx.db.engine
    apply_drift(engine, "stale search document", ids)
    runner = CliRunner()
    checked = runner.invoke(cli, ["--db", url, "db", "check"])
    assert checked.exit_code == 1, checked.output
    assert "search document" in checked.output
    repaired = runner.invoke(cli, ["--db", url, "db", "repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Rewrote 1 search document" in repaired.output
    again = runner.invoke(cli, ["--db", url, "db", "check", "--full"])
    assert again.exit_code == 0, again.output


def test_a_dropped_expression_index_is_found_and_recreated(services: Services) -> None:
    """The upper(country) index (which SQLite's inspector skips) is checked and repaired."""
    engine = services.ctx.db.engine
    with _no_warnings():  # crm db check prints no SAWarning
        assert check_database(engine).ok
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_address_billing_country")
    report = check_database(engine)
    assert any("ix_address_billing_country" in p for p in report.problems), report.problems
    repaired = repair_database(engine)
    assert any("ix_address_billing_country" in d for d in repaired.done), repaired.done
    assert repaired.ok, repaired.after.problems


@contextlib.contextmanager
def _no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
