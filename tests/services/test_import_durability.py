"""An import's batches commit without waiting for the disk on PostgreSQL, and the import
ends with one commit that waits (services.imports.durability); SQLite is left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_tui.models import Customer
from crm_tui.services.imports import durability as durability_module
from crm_tui.services.imports.durability import Durability
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services


def _setting(services: Services, durability: Durability) -> tuple[str, str]:
    """synchronous_commit inside a batch's transaction, and in the next transaction."""
    with services.ctx.write() as session:
        durability.batch(session)
        inside = str(session.connection().exec_driver_sql("SHOW synchronous_commit").scalar())
    with services.ctx.read() as session:
        after = str(session.connection().exec_driver_sql("SHOW synchronous_commit").scalar())
    return inside, after


def test_batch_commits_without_waiting_only_on_postgresql(services: Services) -> None:
    """On PostgreSQL a batch's own transaction commits without waiting and the next one
    waits again; the flush then leaves nothing waiting. On SQLite nothing changes."""
    durability = Durability(services.ctx.write)
    if services.ctx.db.engine.dialect.name == "sqlite":
        with services.ctx.write() as session:
            durability.batch(session)
        assert not durability.waiting
        return
    inside, after = _setting(services, durability)
    assert (inside, after) == ("off", "on")
    assert durability.waiting
    durability.flush()
    assert not durability.waiting


def test_flush_at_end_after_an_error_too(services: Services) -> None:
    """The block's error is raised after the flush; a flush that fails then does not hide it."""
    durability = Durability(services.ctx.write)
    with services.ctx.write() as session:
        durability.batch(session)  # waiting on PostgreSQL only
    with pytest.raises(KeyError), durability.at_end():
        raise KeyError("the import's own error")
    assert not durability.waiting

    def broken() -> None:
        raise RuntimeError("server gone")

    durability.waiting = True
    durability.flush = broken  # type: ignore[method-assign]
    with pytest.raises(KeyError), durability.at_end():
        raise KeyError("still this one")
    with pytest.raises(RuntimeError), durability.at_end():
        pass  # without an error of its own, the failed flush is the error


def test_import_flushes_once_at_the_end(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of several batches saves them all and flushes once, after the last; on
    PostgreSQL every batch was committed without waiting before that flush."""
    flushes: list[bool] = []
    real_flush = Durability.flush

    def counted(self: Durability) -> None:
        flushes.append(self.waiting)
        real_flush(self)

    monkeypatch.setattr(durability_module.Durability, "flush", counted)
    path = tmp_path / "people.csv"
    lines = ["Name,Email"] + [f"Person {i},person{i}@example.com" for i in range(25)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ImportService(services.ctx).run(path, batch=10, refused_path=tmp_path / "r.csv")
    assert summary.created == 25
    with services.ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 25
    postgres = services.ctx.db.engine.dialect.name == "postgresql"
    assert flushes == [postgres]


def test_a_clerks_import_flushes_too(
    as_role: dict[str, Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's login (row-level security, no table of its own) may write the flush's
    message: the import saves its rows and ends with nothing waiting."""
    ends: list[bool] = []
    real_at_end = Durability.at_end

    def watched(self: Durability) -> Iterator[None]:
        with real_at_end(self):
            yield
        ends.append(self.waiting)

    monkeypatch.setattr(durability_module.Durability, "at_end", contextmanager(watched))
    path = tmp_path / "few.csv"
    path.write_text("Name,Email\nAna Lima,ana@example.com\nRui Costa,rui@example.com\n", "utf-8")
    summary = ImportService(as_role["clerk"].ctx).run(path, refused_path=tmp_path / "r.csv")
    assert summary.created == 2
    assert ends == [False]
