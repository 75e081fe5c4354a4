"""Snapshots of the segments screen, the rule editor and the dashboard on demo data (2026-01-15)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.pilot import Pilot

from crm_tui.services.registry import Services
from crm_tui.ui.screens.dashboard import DashboardScreen
from crm_tui.ui.screens.segment_editor import SegmentEditorScreen
from crm_tui.ui.screens.segments import SegmentsScreen
from crm_tui.ui.widgets.segments.rule_row import RuleRow
from tests.ui.conftest import ScreenApp, settle_still

AS_OF = date(2026, 1, 15)
SnapCompare = Callable[..., bool]


def test_segments_screen(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The seeded segments with their counts and the first segment's members."""
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle_still)


def test_rule_editor(snap_compare: SnapCompare, demo_services: Services) -> None:
    """A dynamic segment with two rules, one of them wrong, and the reason shown."""
    demo_services.segments.create(
        "Late payers",
        kind="dynamic",
        description="A failed payment lately",
        rules={"match": "any", "rules": [
            {"field": "failed_payment", "op": "within", "value": "30"},
            {"field": "tag", "op": "eq", "value": "late-payer"},
        ]},
    )  # fmt: skip
    segment = next(s for s in demo_services.segments.list() if s.name == "Late payers")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        rows = list(pilot.app.screen.query(RuleRow))
        rows[1].value_input.value = "no-such-tag"
        await pilot.pause(0.5)
        await settle_still(pilot)

    app = ScreenApp(demo_services, lambda: SegmentEditorScreen(segment, as_of=AS_OF))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_dashboard_80x24(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The dashboard at 80x24: headline strip and the first panels, one column."""
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle_still)


def test_dashboard_120x40_tables(snap_compare: SnapCompare, demo_services: Services) -> None:
    """A wider terminal: two columns; `T` shows every chart as its table of numbers."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle_still(pilot)
        await pilot.press("T")
        await settle_still(pilot)

    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
