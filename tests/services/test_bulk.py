"""Bulk tag, status and export over a selection, on both engines."""

from __future__ import annotations

import csv
import json
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import ChangeRecord, CustomerTag, Tag
from crm_tui.services.bulk.service import BulkService, Selection
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ReadOnlyError, ValidationError
from crm_tui.services.registry import Services, open_services
from crm_tui.services.search import SearchFilters


def _make(services: Services, n: int, **extra: str) -> list[int]:
    return [
        services.customers.create(
            CustomerCreate(
                first_name=f"Bulk{i}", last_name="Person", email=f"b{i}@example.com", **extra
            )
        ).id
        for i in range(n)
    ]


def _bulk(services: Services) -> BulkService:
    return BulkService(services.ctx)


def test_add_tag_to_marked_ids_records_history(services: Services) -> None:
    """Adding a tag to marked customers tags each once and logs a history row each."""
    ids = _make(services, 5)
    bulk = _bulk(services)
    first = bulk.add_tag(Selection(ids=frozenset(ids[:3])), "Follow-up", chunk=2)
    again = bulk.add_tag(Selection(ids=frozenset(ids[:3])), "follow-up")
    assert (first.total, first.changed, first.cancelled) == (3, 3, False)
    assert again.changed == 0
    assert services.customers.get(ids[0]).tags == ("Follow-up",)
    assert services.customers.get(ids[4]).tags == ()
    log = services.history.for_customer(ids[0])
    assert [(e.field, e.old_value, e.new_value) for e in log][0] == ("tags", None, "Follow-up")


def test_remove_tag(services: Services) -> None:
    """Removing a tag takes it off only the selected customers that have it."""
    ids = _make(services, 4)
    bulk = _bulk(services)
    bulk.add_tag(Selection(ids=frozenset(ids)), "vip")
    result = bulk.remove_tag(Selection(ids=frozenset(ids[:2])), "VIP")
    assert result.changed == 2
    assert services.customers.get(ids[0]).tags == ()
    assert services.customers.get(ids[3]).tags == ("vip",)
    with pytest.raises(ValidationError):
        bulk.remove_tag(Selection(ids=frozenset(ids)), "no-such-tag")


def test_racing_untag_logs_the_removal_once(settings: Settings, services: Services) -> None:
    """Two clerks take the same tag off at once: the one whose delete finds no row
    (it waited for the other's commit) reports 0 and writes no history."""
    ana, cy = _make(services, 2)
    bulk = _bulk(services)
    bulk.add_tag(Selection(ids=frozenset({ana, cy})), "vip")
    other = open_services(settings)
    try:
        results: list[int] = []
        with other.ctx.write() as session:  # the first clerk's delete, not yet committed
            vip = session.scalar(select(col(Tag.id)).where(col(Tag.name) == "vip"))
            session.execute(
                delete(CustomerTag).where(
                    col(CustomerTag.tag_id) == vip, col(CustomerTag.customer_id) == ana
                )
            )
            worker = threading.Thread(
                target=lambda: results.append(
                    bulk.remove_tag(Selection(ids=frozenset({ana})), "vip").changed
                )
            )
            worker.start()
            worker.join(0.5)  # blocked on the row (PostgreSQL) or the write lock (SQLite)
            assert worker.is_alive()
        worker.join(15)
        assert results == [0]
        assert services.customers.get(cy).tags == ("vip",)
        with services.ctx.read() as session:
            removals = session.scalar(
                select(col(ChangeRecord.id)).where(
                    col(ChangeRecord.customer_id) == ana, col(ChangeRecord.old_value) == "vip"
                )
            )
        assert removals is None
    finally:
        other.close()


def test_set_status_on_all_matches_except_excluded(services: Services) -> None:
    """A status change over every search match skips unmarked rows and bumps versions."""
    ids = _make(services, 6)
    other = services.customers.create(CustomerCreate(first_name="Zed", email="zed@example.com")).id
    selection = Selection(all_matches=True, query="bulk", excluded=frozenset({ids[0]}))
    progress: list[tuple[int, int]] = []
    result = _bulk(services).set_status(
        selection, "inactive", chunk=2, progress=lambda d, t: progress.append((d, t))
    )
    assert (result.total, result.changed) == (5, 5)
    assert progress[-1] == (5, 5)
    assert services.customers.get(ids[0]).status == "active"
    assert services.customers.get(other).status == "active"
    changed = services.customers.get(ids[1])
    assert (changed.status, changed.version) == ("inactive", 2)
    entry = services.history.for_customer(ids[1])[0]
    assert (entry.field, entry.old_value, entry.new_value) == ("status", "active", "inactive")


def test_blocking_needs_a_reason(services: Services) -> None:
    """Blocking in bulk asks for a reason and stores it."""
    ids = _make(services, 2)
    bulk = _bulk(services)
    with pytest.raises(ValidationError):
        bulk.set_status(Selection(ids=frozenset(ids)), "blocked")
    bulk.set_status(Selection(ids=frozenset(ids)), "blocked", reason="Chargebacks")
    assert services.customers.get(ids[0]).status_reason == "Chargebacks"


def test_cancel_stops_between_chunks(services: Services) -> None:
    """A cancel leaves the done chunks changed and the rest untouched."""
    ids = _make(services, 6)
    calls = iter([False, True])
    result = _bulk(services).add_tag(
        Selection(ids=frozenset(ids)), "half", chunk=3, cancelled=lambda: next(calls, True)
    )
    assert result.cancelled and result.processed == 3
    tagged = [i for i in ids if services.customers.get(i).tags]
    assert tagged == sorted(ids)[:3]


def test_filters_narrow_all_matches(services: Services) -> None:
    """Mark-all honours the list's filters."""
    ids = _make(services, 3)
    services.customers.deactivate(ids[0])
    result = _bulk(services).add_tag(
        Selection(all_matches=True, filters=SearchFilters(status="inactive")), "gone"
    )
    assert result.total == 1
    assert services.customers.get(ids[0]).tags == ("gone",)


def test_export_csv_neutralises_formulas(services: Services, tmp_path: Path) -> None:
    """The CSV has a header, one row per customer, and formula-like cells defused."""
    ids = _make(services, 2)
    hostile = services.customers.create(
        CustomerCreate(first_name="=HYPERLINK(1)", last_name="@evil", email="h@example.com")
    ).id
    target = tmp_path / "out.csv"
    result = _bulk(services).export(Selection(ids=frozenset([*ids, hostile])), target, chunk=2)
    assert result.path == target and result.processed == 3
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))  # services.exports columns
    assert [r["Customer number"] for r in rows] == [f"C-{i:06d}" for i in sorted([*ids, hostile])]
    last = rows[-1]
    assert (last["First name"], last["Last name"]) == ("'=HYPERLINK(1)", "'@evil")
    with pytest.raises(ValidationError):
        _bulk(services).export(Selection(ids=frozenset(ids)), target)


def test_export_cancel_leaves_no_file(services: Services, tmp_path: Path) -> None:
    """A cancelled export writes nothing."""
    ids = _make(services, 3)
    target = tmp_path / "out.csv"
    result = _bulk(services).export(
        Selection(ids=frozenset(ids)), target, chunk=1, cancelled=lambda: True
    )
    assert result.cancelled and not target.exists()
    assert list(tmp_path.glob("*.part")) == []


def test_export_format_follows_the_name_private_xlsx(services: Services, tmp_path: Path) -> None:
    """A `.xlsx` name gets a real workbook (openpyxl opens it), private to its owner."""
    from openpyxl import load_workbook

    ids = _make(services, 3)
    target = tmp_path / "marked.xlsx"
    result = _bulk(services).export(Selection(ids=frozenset(ids[:2])), target)
    assert result.processed == 2 and result.path == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    sheet = load_workbook(target).worksheets[0]
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [f"C-{i:06d}" for i in sorted(ids[:2])]
    with pytest.raises(ValidationError, match="names a CSV file"):
        _bulk(services).export(Selection(ids=frozenset(ids)), tmp_path / "x.csv", fmt="xlsx")
    assert not (tmp_path / "x.csv").exists()


def test_export_every_match_minus_unmarked(services: Services, tmp_path: Path) -> None:
    """Every match of the search, read by the query itself or less the rows unmarked."""
    ids = _make(services, 4)
    services.customers.deactivate(ids[0])
    services.customers.deactivate(ids[1])
    matches = Selection(all_matches=True, filters=SearchFilters(status="inactive"))
    _bulk(services).export(matches, tmp_path / "all.json")
    rows = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert [r["number"] for r in rows] == [f"C-{i:06d}" for i in ids[:2]]
    fewer = Selection(
        all_matches=True, filters=SearchFilters(status="inactive"), excluded=frozenset([ids[0]])
    )
    result = _bulk(services).export(fewer, tmp_path / "fewer.csv")
    assert result.processed == 1
    (row,) = list(csv.DictReader((tmp_path / "fewer.csv").open(encoding="utf-8-sig")))
    assert row["Customer number"] == f"C-{ids[1]:06d}"


def test_empty_selection_and_read_only(services: Services) -> None:
    """An empty selection is refused; writes are refused read-only."""
    bulk = _bulk(services)
    with pytest.raises(ValidationError):
        bulk.add_tag(Selection(), "x")
    ro = services.ctx.__class__(db=services.ctx.db, actor="t", read_only=True)
    with pytest.raises(ReadOnlyError):
        BulkService(ro).add_tag(Selection(ids=frozenset({1})), "x")
