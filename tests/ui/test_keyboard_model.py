"""The keyboard model a newcomer guesses: Esc clears or goes back, `?`/F1 help, global F-keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input

from crm_tui.factory import make_app
from crm_tui.services.registry import Services
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.help import HelpModal
from crm_tui.ui.modals.quick_add import QuickAddModal
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.customer_wizard import CustomerWizardScreen
from crm_tui.ui.screens.dashboard import DashboardScreen
from crm_tui.ui.screens.import_customers import ImportScreen
from crm_tui.ui.screens.tags import TagsScreen
from crm_tui.ui.widgets.list.customer_table import CustomerTable
from crm_tui.ui.widgets.list.search_bar import SearchBar


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@asynccontextmanager
async def on_the_list(services: Services) -> AsyncIterator[tuple[Pilot[Any], CustomerListScreen]]:
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerListScreen)
        yield pilot, screen


def top(pilot: Pilot[Any]) -> Screen[Any]:
    """The screen on top, read afresh (a call, so mypy keeps no narrowing across keys)."""
    return pilot.app.screen


def focused(screen: Screen[Any]) -> Widget | None:
    return screen.focused


def help_lines(pilot: Pilot[Any]) -> list[str]:
    table = pilot.app.screen.query_one("#help-keys", DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_escape_in_search_clears_then_moves_to_results(demo_services: Services) -> None:
    """Esc clears the query and stays; a second Esc (empty query) moves to the results."""
    async with on_the_list(demo_services) as (pilot, screen):
        search = screen.query_one(SearchBar).input
        await pilot.press(*"lima")
        await settle(pilot)
        await pilot.press("escape")
        assert search.value == "" and focused(screen) is search
        await pilot.press("escape")
        assert focused(screen) is screen.query_one(CustomerTable)


async def test_escape_on_the_list_clears_marks_and_never_jumps_to_search(
    demo_services: Services,
) -> None:
    """Esc on the rows drops the marks; the focus stays, so a hotkey after it still works."""
    async with on_the_list(demo_services) as (pilot, screen):
        table = screen.query_one(CustomerTable)
        await pilot.press("down", "space", "space")
        assert screen.marks
        await pilot.press("escape")
        assert not screen.marks and screen.focused is table
        await pilot.press("escape", "a")
        await settle(pilot)
        assert isinstance(top(pilot), QuickAddModal)


async def test_question_mark_in_search_opens_help_not_a_search(demo_services: Services) -> None:
    """`?` typed in the search box opens the help (the query keeps its text); `?` closes it."""
    async with on_the_list(demo_services) as (pilot, screen):
        await pilot.press(*"ana", "question_mark")
        await settle(pilot)
        assert isinstance(top(pilot), HelpModal)
        assert screen.query_one(SearchBar).input.value == "ana"
        lines = help_lines(pilot)
        assert any("Filter" in line for line in lines)  # the list's own keys
        assert any("Quick add" in line and "F2" in line for line in lines), lines  # global ones
        await pilot.press("question_mark")
        assert top(pilot) is screen


async def test_help_filters_as_you_type_and_escape_closes(demo_services: Services) -> None:
    """F1 from the rows; typing narrows the list to matching keys; Esc closes."""
    async with on_the_list(demo_services) as (pilot, screen):
        await pilot.press("down", "f1")
        await settle(pilot)
        assert isinstance(top(pilot), HelpModal)
        await pilot.press(*"dashb")
        await settle(pilot)
        lines = [line for line in help_lines(pilot) if line.strip()]
        assert lines and all(
            "Dashboard" in line or line.strip() in ("Customer list", "Everywhere") for line in lines
        ), lines
        await pilot.press("escape")
        assert top(pilot) is screen


async def test_global_keys_work_from_the_search_box(demo_services: Services) -> None:
    """F2 quick add, F3 new customer, F4 dashboard, F5 import: all typed while in the search box."""
    for key, kind in (
        ("f2", QuickAddModal),
        ("f3", CustomerWizardScreen),
        ("f4", DashboardScreen),
        ("f5", ImportScreen),
    ):
        async with on_the_list(demo_services) as (pilot, screen):
            assert isinstance(screen.focused, Input)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(top(pilot), kind), key


async def test_go_to_reaches_every_other_screen(demo_services: Services) -> None:
    """`g` on the list offers the group screens; choosing Tags opens it."""
    async with on_the_list(demo_services) as (pilot, _screen):
        await pilot.press("down", "g")
        await settle(pilot)
        assert isinstance(top(pilot), ChoiceModal)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(top(pilot), TagsScreen)
