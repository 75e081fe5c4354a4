"""The fzf reference of the search benchmark, on the 60-customer demo database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks import fzf_reference
from benchmarks.search_bench import _Case
from crm_tui.config import Settings
from crm_tui.db.engine import make_engine
from crm_tui.services.search import SortSpec
from crm_tui.services.search.tables import CUSTOMER


@pytest.mark.skipif(shutil.which("fzf") is None, reason="fzf is not installed")
def test_dump_has_every_customer_and_fzf_finds_an_email(
    demo_settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(demo_settings.database_url, read_only=True)
    try:
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(CUSTOMER))
            email = conn.scalar(
                select(CUSTOMER.c.email)
                .where(CUSTOMER.c.email.is_not(None))
                .order_by(CUSTOMER.c.id)
                .limit(1)
            )
        assert count and email
        fragment = email.split("@")[0][:8]

        dump = fzf_reference.dump_customers(engine, tmp_path)
        assert not dump.reused
        assert dump.lines == count
        lines = dump.path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == count
        assert lines[0].startswith("C-000001\t")

        cases = [
            _Case("e-mail fragment", [fragment]),
            _Case("2 chars", ["ab"]),
            _Case("list by name", [""], SortSpec("name")),  # no fzf counterpart
        ]
        rows = fzf_reference.reference(engine, cases, repeat=1, cache_dir=tmp_path)
    finally:
        engine.dispose()
    assert [row["kind"] for row in rows] == ["e-mail fragment", "2 chars"]
    assert rows[0]["matches"] >= 1
    assert rows[0]["lines"] == count
    assert rows[0]["p50_ms"] > 0
    assert list(tmp_path.glob("fzf-dump-*.txt")) == [dump.path]  # reused, not rewritten


def test_skipped_without_fzf(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    engine = make_engine(demo_settings.database_url, read_only=True)
    try:
        assert fzf_reference.reference(engine, [_Case("6 chars", ["abcdef"])]) == []
    finally:
        engine.dispose()
