"""Several clerks writing to the same customers at once lose nothing (issue 10, part 1).

Each run starts real clerk processes (benchmarks.reliability.worker) on the
same customers; the checker compares their journals of acknowledged writes
with the database. The CI-sized storm is 4 x 60 edits per engine; the full
8 x 500 is marked slow (also `python -m benchmarks storm`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.reliability.checker import verify
from benchmarks.reliability.journal import Journal
from benchmarks.reliability.storm import run_storm
from benchmarks.reliability.workload import Clerk, prepare
from crm_tui.config import Settings
from crm_tui.services.registry import open_services


def _assert_clean(result_failures: list[str], problems: list[str]) -> None:
    assert result_failures == [], "writes failed (database is locked or worse)"
    assert problems == [], "acknowledged writes missing or figures wrong"


def test_storm_of_four_clerks_loses_nothing(db_url: str, tmp_path: Path) -> None:
    """4 clerks x 60 mixed edits on 8 shared customers: every acknowledged write lands, none is locked out."""
    result = run_storm(db_url, tmp_path, processes=4, edits=60, customers=8)
    assert result.exit_codes == [0, 0, 0, 0]
    _assert_clean(result.verdict.failures, result.verdict.problems)
    ops = result.verdict.ops
    assert result.verdict.acknowledged + ops["conflict"] == 4 * 60
    assert ops["note"] and ops["payment"] and ops["field"] and ops["tag"]
    assert ops["locked"] == 0


@pytest.mark.slow
def test_full_storm_of_eight_clerks_loses_nothing(db_url: str, tmp_path: Path) -> None:
    """The issue's storm: 8 clerks x 500 edits on 20 shared customers, on each engine."""
    result = run_storm(db_url, tmp_path, processes=8, edits=500, customers=20)
    assert result.exit_codes == [0] * 8
    _assert_clean(result.verdict.failures, result.verdict.problems)
    assert result.verdict.acknowledged + result.verdict.ops["conflict"] == 8 * 500


def test_checker_finds_a_lost_note_and_a_wrong_balance(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """The checker is not vacuous: a deleted note and a tampered summary are both reported."""
    url = sqlite_settings.database_url
    shared = prepare(url, 3)
    services = open_services(sqlite_settings.with_(clerk="w1"))
    journal = Journal(tmp_path / "w1.jsonl")
    Clerk(services, shared, journal, worker="w1", index=1, seed=5, think_ms=0).run(40)
    journal.close()
    assert verify(url, tmp_path, strict=True).ok
    with services.ctx.db.engine.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM note WHERE id = (SELECT min(id) FROM note WHERE title LIKE 'storm note %')"
        )
        conn.exec_driver_sql(
            "UPDATE customer_summary SET lifetime_value = lifetime_value + 1 "
            f"WHERE customer_id = {shared.customer_ids[0]}"
        )
    services.close()
    problems = verify(url, tmp_path, strict=True).problems
    assert any("acknowledged note" in p and "missing" in p for p in problems)
    assert any("disagree with a recount" in p for p in problems)
    assert any("journal says" in p for p in problems)
