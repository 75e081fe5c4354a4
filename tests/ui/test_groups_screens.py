"""Pilot tests of the segments, rule editor, tags, billing groups and dashboard screens."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
)

from crm_tui.services.dashboard import PANELS
from crm_tui.services.registry import Services
from crm_tui.ui.flows import groups
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.billing_group import BillingGroupScreen
from crm_tui.ui.screens.billing_groups import BillingGroupsScreen
from crm_tui.ui.screens.dashboard import DashboardScreen
from crm_tui.ui.screens.segment_editor import SegmentEditorScreen
from crm_tui.ui.screens.segments import SegmentsScreen
from crm_tui.ui.screens.tags import TagsScreen
from crm_tui.ui.widgets.dashboard.panel import DashboardPanel
from crm_tui.ui.widgets.segments.rule_row import RuleRow
from tests.ui.conftest import ScreenApp, settle

AS_OF = date(2026, 1, 15)
SIZE = (80, 24)


def cell_text(table: DataTable[object], row: int, column: int) -> str:
    value = table.get_row_at(row)[column]
    return value.plain if isinstance(value, Text) else str(value)


def static_text(widget: Static) -> str:
    visual = widget.render()
    return str(visual.plain if hasattr(visual, "plain") else visual)


async def test_dashboard_fills_every_panel(demo_services: Services) -> None:
    """Every panel fills in from its worker; the headline strip shows the figures."""
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        panels = {p.figure_name: p for p in screen.query(DashboardPanel)}
        assert set(panels) == set(PANELS)
        assert all(p.data is not None for p in panels.values())
        trend = demo_services.dashboard.customers_over_time(as_of=AS_OF)
        kpis = static_text(screen.query_one("#dashboard-kpis", Static))
        assert f"Customers {trend.customers[-1]}" in kpis
        assert f"Active {trend.active[-1]}" in kpis


async def test_dashboard_toggles_chart_and_table(demo_services: Services) -> None:
    """`t` toggles the focused panel to its table of numbers and back; `T` toggles all."""
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        first = app.screen.query(DashboardPanel).first()
        switcher = first.query_one(ContentSwitcher)
        assert switcher.current == "panel-chart"
        await pilot.press("t")
        assert switcher.current == "panel-table"
        table = first.query_one(DataTable)
        trend = first.data
        assert table.row_count == len(trend.months)
        assert cell_text(table, table.row_count - 1, 1) == f"{trend.customers[-1]:,}"
        await pilot.press("t")
        assert switcher.current == "panel-chart"
        await pilot.press("T")
        chart_panels = [p for p in app.screen.query(DashboardPanel) if p.has_chart]
        assert all(p.query_one(ContentSwitcher).current == "panel-table" for p in chart_panels)


async def test_dashboard_up_and_down_move_between_panels(demo_services: Services) -> None:
    """At 80x24 the panels scroll, yet down and up move to the next and previous panel
    (the grid scrolled a line instead), typed ahead with toggles; a work list's own
    table keeps down for its rows."""
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        panels = list(app.screen.query(DashboardPanel))
        await pilot.press("t", "down", "t", "down", "down", "up")
        await settle(pilot, delay=0.05)
        assert app.screen.focused is panels[2]
        assert [p.showing_table for p in panels[:3]] == [True, True, False]
        assert [p.query_one(ContentSwitcher).current for p in panels[:3]] == [
            "panel-table",
            "panel-table",
            "panel-chart",
        ]
        work_list = app.screen.query_one("#panel-follow-ups", DashboardPanel)
        table = work_list.query_one(DataTable)
        assert table.row_count > 1, "the demo data has follow-ups due"
        table.focus()
        await pilot.press("down")
        assert table.cursor_row == 1
        assert table.has_focus


async def test_dashboard_work_list_opens_customer(demo_services: Services) -> None:
    """Enter on a follow-up row asks the app to open that customer."""
    opened: list[int] = []
    app = ScreenApp(demo_services, lambda: DashboardScreen(as_of=AS_OF))
    app.open_customer = opened.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        panel = app.screen.query_one("#panel-follow-ups", DashboardPanel)
        assert panel.data.rows, "the demo data has follow-ups due"
        panel.query_one(DataTable).focus()
        await pilot.press("enter")
        assert opened == [panel.data.rows[0].customer_id]


async def test_segments_screen_counts(demo_services: Services) -> None:
    """Every segment is listed with the live count the service gives."""
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        table = app.screen.query_one("#segment-table", DataTable)
        segments = demo_services.segments.list()
        assert table.row_count == len(segments)
        for index, segment in enumerate(segments):
            assert cell_text(table, index, 0) == segment.name
            expected = demo_services.segments.count(segment.id, as_of=AS_OF)
            assert cell_text(table, index, 2) == f"{expected:,}"
        members = app.screen.query_one("#member-table", DataTable)
        assert members.row_count == min(
            100, demo_services.segments.count(segments[0].id, as_of=AS_OF)
        )


async def test_segment_pick_hook(demo_services: Services) -> None:
    """With on_pick wired, enter closes the screen and hands over the segment id."""
    picked: list[int] = []
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF, on_pick=picked.append))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        await pilot.press("down", "enter")
        await settle(pilot, delay=0.05)
        assert picked == [demo_services.segments.list()[1].id]
        assert not isinstance(app.screen, SegmentsScreen)


async def test_rule_editor_live_count_and_save(demo_services: Services) -> None:
    """Editing rules shows the live count or the reason; ctrl+s saves a valid segment."""
    app = ScreenApp(demo_services, lambda: SegmentEditorScreen(None, as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        screen = app.screen
        assert isinstance(screen, SegmentEditorScreen)
        await pilot.press(*"Big spenders")
        row = screen.query_one(RuleRow)
        row.field_select.value = "lifetime_value"
        await pilot.pause()
        row.op_select.value = "gt"
        row.value_input.value = "abc"
        await pilot.pause(0.5)
        await settle(pilot, delay=0.05)
        message = static_text(screen.query_one("#editor-message", Static))
        assert message == "Rule 1: The lifetime value 'abc' is not a number; type e.g. 49.90."
        assert row.has_class("-invalid")
        row.value_input.value = "200"
        await pilot.pause(0.5)
        await settle(pilot, delay=0.05)
        rules = {"match": "all", "rules": [{"field": "lifetime_value", "op": "gt", "value": "200"}]}
        expected = demo_services.segments.preview_count(rules, as_of=AS_OF)
        live = static_text(screen.query_one("#live-count", Static))
        assert live.startswith(f"{expected:,} customer")
        await pilot.press("ctrl+n")
        await settle(pilot, delay=0.05)
        assert len(screen.query(RuleRow)) == 2
        await pilot.press("ctrl+r")
        await settle(pilot, delay=0.05)
        assert len(screen.query(RuleRow)) == 1
        await pilot.press("ctrl+s")
        await settle(pilot, delay=0.05)
        saved = [s for s in demo_services.segments.list() if s.name == "Big spenders"]
        assert len(saved) == 1 and saved[0].summary == "lifetime value > 200"


async def test_rule_editor_asks_before_discarding(demo_services: Services) -> None:
    """Escape with unsaved edits asks first; `n` keeps the editor open."""
    app = ScreenApp(demo_services, lambda: SegmentEditorScreen(None, as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        await pilot.press(*"Draft", "escape")
        assert isinstance(app.screen, ConfirmationModal)
        await pilot.press("n")
        assert isinstance(app.screen, SegmentEditorScreen)


async def test_add_marked_customers_to_new_static_segment(demo_services: Services) -> None:
    """The list's bulk hook: pick "new segment", name it, and the customers are added."""
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        groups.add_to_segment(app, [1, 2, 3])
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, ChoiceModal)
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1  # "New hand-picked segment…"
        await pilot.press("enter")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"Counter regulars", "enter")
        await settle(pilot, delay=0.05)
        segment = next(s for s in demo_services.segments.list() if s.name == "Counter regulars")
        assert demo_services.segments.count(segment.id) == 3


async def test_tags_screen_create_rename_delete(demo_services: Services) -> None:
    """New tag, a refused duplicate name (message in the dialog), rename, delete with a question."""
    app = ScreenApp(demo_services, TagsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        await pilot.press("n", *"[b]vip[/b]", "enter")
        await settle(pilot, delay=0.05)
        names = [t.name for t in demo_services.tags.list()]
        assert "[b]vip[/b]" in names
        table = app.screen.query_one(DataTable)
        row = names.index("[b]vip[/b]")
        assert cell_text(table, row, 0) == "[b]vip[/b]"  # literal, never markup
        await pilot.press("n", *"VIP", "enter")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, PromptModal)
        error = static_text(app.screen.query_one("#prompt-error", Static))
        assert error == "There is already a tag called 'vip'; merge the two instead."
        await pilot.press("escape")
        vip = next(t for t in demo_services.tags.list() if t.name == "vip")
        table.move_cursor(row=[t.id for t in demo_services.tags.list()].index(vip.id))
        await pilot.press("delete")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, ConfirmationModal)  # in use: asks first
        await pilot.press("y")
        await settle(pilot, delay=0.05)
        assert "vip" not in [t.name for t in demo_services.tags.list()]


async def test_billing_group_view_add_and_remove(demo_services: Services) -> None:
    """The group view lists members with figures; `a` adds a business by number; `x` removes."""
    group = demo_services.billing_groups.create("Counter accounts")
    business = next(
        c for c in (demo_services.customers.get(i) for i in range(1, 61)) if c.kind == "business"
    )
    app = ScreenApp(demo_services, BillingGroupsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        table = app.screen.query_one(DataTable)
        names = [g.name for g in demo_services.billing_groups.list()]
        table.move_cursor(row=names.index("Counter accounts"))
        await pilot.press("enter")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, BillingGroupScreen)
        await pilot.press("a", *business.number, "enter")
        await settle(pilot, delay=0.05)
        members = app.screen.query_one(DataTable)
        assert members.row_count == 1
        assert cell_text(members, 0, 0) == business.number
        assert demo_services.customers.get(business.id).billing_group_id == group.id
        await pilot.press("x", "y")
        await settle(pilot, delay=0.05)
        assert demo_services.customers.get(business.id).billing_group_id is None


async def test_read_only_refuses_edits(demo_settings: object) -> None:
    """With --read-only the editors do not open and nothing is written."""
    from dataclasses import replace

    from crm_tui.config import Settings
    from crm_tui.services.registry import open_services

    assert isinstance(demo_settings, Settings)
    services = open_services(replace(demo_settings, read_only=True))
    try:
        app = ScreenApp(services, TagsScreen)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, delay=0.05)
            await pilot.press("n")
            await settle(pilot, delay=0.05)
            assert isinstance(app.screen, TagsScreen)
    finally:
        services.close()


async def test_select_widgets_are_compact(demo_services: Services) -> None:
    """A rule fits on one line at 80 columns (field, operator, value and remove button)."""
    app = ScreenApp(demo_services, lambda: SegmentEditorScreen(None, as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        row = app.screen.query_one(RuleRow)
        assert row.size.height == 1
        assert row.region.right <= 80
        assert all(s.size.height == 1 for s in row.query(Select))
        assert row.query_one(Input).size.width >= 20


async def test_palette_entries_open_each_screen(demo_services: Services) -> None:
    """group_commands yields one palette entry per screen, each opening it."""
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        expected = {
            "Dashboard": DashboardScreen,
            "Segments": SegmentsScreen,
            "Tags": TagsScreen,
            "Billing groups": BillingGroupsScreen,
        }
        commands = list(groups.group_commands(app))
        assert [c.title for c in commands] == list(expected)
        for command in commands:
            command.callback()
            await settle(pilot, delay=0.05)
            assert isinstance(app.screen, expected[command.title])
            app.pop_screen()
            await settle(pilot, delay=0.05)


async def test_customer_segments_modal(demo_services: Services) -> None:
    """The detail hook ticks a customer's hand-picked segments and saves the changes."""
    picked = demo_services.segments.create("Front desk")
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        groups.edit_customer_segments(app, 5)
        await settle(pilot, delay=0.05)
        choices: SelectionList[int] = app.screen.query_one(SelectionList)
        choices.select(picked.id)
        await pilot.press("ctrl+s")
        await settle(pilot, delay=0.05)
        assert "Front desk" in [s.name for s in demo_services.segments.static_segments_of(5)]


async def test_add_marked_to_billing_group(demo_services: Services) -> None:
    """The list's bulk hook puts business customers in the chosen group and skips the rest."""
    group = demo_services.billing_groups.create("Bulk group")
    customers = [demo_services.customers.get(i) for i in range(1, 11)]
    businesses = [c.id for c in customers if c.kind == "business"]
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        groups.add_to_billing_group(app, [c.id for c in customers])
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, ChoiceModal)
        options = app.screen.query_one(OptionList)
        names = [g.name for g in demo_services.billing_groups.list()]
        options.highlighted = names.index("Bulk group")
        await pilot.press("enter")
        await settle(pilot, delay=0.05)
    view = demo_services.billing_groups.view(group.id)
    assert sorted(m.customer_id for m in view.members) == sorted(businesses)


async def test_add_and_remove_static_member_on_segments_screen(demo_services: Services) -> None:
    """On a hand-picked segment, `a` adds a customer by number and `x` removes the highlighted one."""
    segment = demo_services.segments.create("Walk-ins")
    number = demo_services.customers.get(7).number
    app = ScreenApp(demo_services, lambda: SegmentsScreen(as_of=AS_OF))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        table = app.screen.query_one("#segment-table", DataTable)
        names = [s.name for s in demo_services.segments.list()]
        table.move_cursor(row=names.index("Walk-ins"))
        await settle(pilot, delay=0.05)
        await pilot.press("a", *number, "enter")
        await settle(pilot, delay=0.05)
        assert demo_services.segments.count(segment.id) == 1
        await pilot.press("a", *number, "enter")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, PromptModal)
        error = static_text(app.screen.query_one("#prompt-error", Static))
        assert error.endswith("is already in Walk-ins.")
        await pilot.press("escape")
        app.screen.query_one("#member-table", DataTable).focus()
        await pilot.press("x")
        await settle(pilot, delay=0.05)
        assert demo_services.segments.count(segment.id) == 0


async def test_detail_g_ticks_hand_picked_segments(demo_services: Services) -> None:
    """From a customer's detail screen, `g` ticks and unticks their hand-picked segments."""
    from crm_tui.factory import make_app
    from crm_tui.ui.modals.customer_segments import CustomerSegmentsModal
    from crm_tui.ui.screens.customer_detail import CustomerDetailScreen

    vips = next(s for s in demo_services.segments.list() if s.name == "Hand-picked VIPs")
    outsider = next(
        c.id
        for c in demo_services.search.search("", limit=60).rows
        if vips.id not in {s.id for s in demo_services.segments.static_segments_of(c.id)}
    )
    app = make_app(demo_services, open_customer_id=outsider)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, CustomerDetailScreen)
        await pilot.press("g")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, CustomerSegmentsModal)
        choices = app.screen.query_one(SelectionList)
        index = next(
            i
            for i in range(choices.option_count)
            if choices.get_option_at_index(i).value == vips.id
        )
        choices.highlighted = index
        await pilot.press("space", "ctrl+s")
        await settle(pilot, delay=0.05)
        assert isinstance(app.screen, CustomerDetailScreen)
    assert vips.id in {s.id for s in demo_services.segments.static_segments_of(outsider)}
