"""The CSV export on two processes (exports.second_process) writes the bytes the export
in one process writes, from the snapshot the export started with, on both engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_tui.models import Customer, Note
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.exports import second_process
from crm_tui.services.exports.service import ExportService
from crm_tui.services.registry import Services


def _add(services: Services, name: str, notes: int = 1) -> None:
    """A customer whose name and notes the general exporter writes (a formula start)."""
    with services.ctx.write() as session:
        customer = Customer(kind="individual", first_name=name, last_name="Added")
        session.add(customer)
        session.flush()
        assert customer.id is not None
        for number in range(notes):
            session.add(Note(customer_id=customer.id, type="call", title=name, body=f"+{number}"))


def _export(services: Services, path: Path, split_from: int) -> bytes:
    result = ExportService(services.ctx).export(path, batch=7, split_from=split_from)
    assert not result.cancelled
    return path.read_bytes()


def test_two_processes_write_the_same_bytes(services: Services, tmp_path: Path) -> None:
    """Demo customers and formula cells, in ranges of 7 ids shared by the two processes;
    the last customer (in the helper's half of the widths) has the most notes."""
    DemoBuilder(services.ctx, seed=3, as_of=date(2026, 1, 15), invoices=False).run(40)
    _add(services, "=1+2", notes=9)
    one = _export(services, tmp_path / "one.csv", split_from=10**9)
    two = _export(services, tmp_path / "two.csv", split_from=0)
    assert two == one
    assert b"'=1+2" in two and b"Note 9 - Title" in two


def test_a_commit_between_the_snapshots_starts_them_again(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer added after the exporter's snapshot started is in neither process's
    rows: PostgreSQL's helper reads the exported snapshot; on SQLite the commit changes
    data_version, and both snapshots begin again, after it."""
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15), invoices=False).run(20)
    before = _export(services, tmp_path / "before.csv", split_from=10**9)
    begin = second_process.Helper.begin
    tries: list[int] = []

    def begin_then_commit(helper: Any, session: Any, selection: Any) -> Any:
        lower_half = begin(helper, session, selection)
        tries.append(helper.tries)
        if helper.tries == 1:
            _add(services, "Late")
        return lower_half

    monkeypatch.setattr(second_process.Helper, "begin", begin_then_commit)
    during = _export(services, tmp_path / "during.csv", split_from=0)
    after = _export(services, tmp_path / "after.csv", split_from=10**9)
    if services.ctx.db.dialect == "sqlite":
        assert tries == [1, 2] and during == after  # begun again, after the commit
    else:
        assert tries == [1] and during == before  # the snapshot of the first begin
    assert b"Late" in after and b"Late" not in before


def test_a_cancelled_export_ends_the_helper(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after two batches: no file, and the helper process has ended."""
    DemoBuilder(services.ctx, seed=7, as_of=date(2026, 1, 15), invoices=False).run(30)
    close = second_process.Helper.close
    ended: list[int | None] = []

    def close_and_look(helper: Any) -> None:
        close(helper)
        ended.append(helper.process.poll())

    monkeypatch.setattr(second_process.Helper, "close", close_and_look)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    target = tmp_path / "stopped.csv"
    result = ExportService(services.ctx).export(target, batch=5, split_from=0, cancelled=cancelled)
    assert result.cancelled and not target.exists()
    assert len(ended) == 1 and ended[0] is not None


@pytest.mark.parametrize("killed_at", ["begin", "work"])
def test_the_export_finishes_without_a_helper_that_died(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killed_at: str
) -> None:
    """The helper killed as the snapshots begin, or once its ranges are sent: the exporter
    counts and writes everything itself, the same bytes."""
    DemoBuilder(services.ctx, seed=9, as_of=date(2026, 1, 15), invoices=False).run(30)
    one = _export(services, tmp_path / "one.csv", split_from=10**9)
    send = second_process.Helper._send
    helpers: list[Any] = []

    def send_then_kill(helper: Any, message: Any) -> None:
        send(helper, message)
        if message[0] == killed_at:
            helpers.append(helper)
            helper.process.kill()
            helper.process.wait()

    monkeypatch.setattr(second_process.Helper, "_send", send_then_kill)
    assert _export(services, tmp_path / "two.csv", split_from=0) == one
    assert len(helpers) == 1 and helpers[0].failed  # it noticed, and did the work itself
