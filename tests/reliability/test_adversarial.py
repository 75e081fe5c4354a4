"""The adversarial run of issue 18, re-run: every case, every try, on both engines.

Each case (benchmarks/reliability/adversarial) makes its own database on the
engine of `db_url`, tries the attack several times and counts the tries
that went wrong; CI runs them small, the issue's sizes are marked slow
(also `python -m benchmarks.reliability.adversarial --pg URL [--full]`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.reliability.adversarial import CASES, SQLITE_ONLY, run_case
from benchmarks.reliability.adversarial.common import Size, engine_of


def _run(name: str, db_url: str, tmp_path: Path, full: bool) -> None:
    if engine_of(db_url) != "sqlite" and name in SQLITE_ONLY:
        pytest.skip("a SQLite file's bytes")
    result = run_case(name, db_url, tmp_path, Size(full))
    print(f"\n{result.case}: {result.failures} of {result.tries} tries failed")
    assert result.tries > 0
    assert (result.failures, result.notes) == (0, [])


@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_case_ci_sized(name: str, db_url: str, tmp_path: Path) -> None:
    """The case at CI size: no try fails."""
    _run(name, db_url, tmp_path, full=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_case_full_sized(name: str, db_url: str, tmp_path: Path) -> None:
    """The case at the issue's size: no try fails."""
    _run(name, db_url, tmp_path, full=True)
