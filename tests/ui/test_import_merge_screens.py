"""Pilot tests of the import and merge screens, and their snapshots."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, DataTable, Input, OptionList

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services
from crm_tui.ui.flows.tools import ToolsCommands, open_import, open_merge
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.screens.import_customers import ImportScreen
from crm_tui.ui.screens.merge import MergeScreen
from crm_tui.ui.widgets.fitted_table import FittedTable
from tests.ui.conftest import ScreenApp, settle


async def settle_import(pilot: Pilot[None]) -> None:
    """settle, where a worker may fail on purpose (an unreadable file is shown on screen)."""
    await settle(pilot, rounds=4, delay=0.05, still=True, failures_expected=True)


DATA = Path(__file__).resolve().parent.parent / "data" / "imports"
SIZE = (80, 24)
SnapCompare = Callable[..., bool]


def _duplicates(services: Services) -> tuple[int, int]:
    a = services.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", phone="+447911123456")
    )
    b = services.customers.create(
        CustomerCreate(
            first_name="Anna", last_name="Lima", phone="07911 123456", email="anna@example.com"
        )
    )
    return a.id, b.id


async def test_import_from_path_to_summary(demo_services: Services, tmp_path: Path) -> None:
    """A typed path previews the rows; ctrl+s imports them and shows the summary."""
    before = demo_services.customers.count()
    source = tmp_path / "shopify.csv"  # the refused-rows file is written beside it
    shutil.copy(DATA / "shopify_customers.csv", source)
    app = ScreenApp(demo_services, ImportScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#import-path")
        pilot.app.screen.query_one("#import-path", Input).value = str(source)
        await pilot.press("enter")
        await settle_import(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one(ContentSwitcher).current == "import-review"
        preview = screen.query_one("#import-preview", FittedTable)
        assert preview.row_count == 4
        assert preview.virtual_size.width <= preview.size.width  # never sideways at 80 columns
        await pilot.press("m")
        await settle_import(pilot)
        assert screen.mode == "update"
        await pilot.press("ctrl+s")
        await settle_import(pilot)
        assert screen.query_one(ContentSwitcher).current == "import-summary"
    assert demo_services.customers.count() == before + 3
    assert (tmp_path / "shopify.refused.csv").exists()


async def test_import_asks_how_dates_are_written(demo_services: Services, tmp_path: Path) -> None:
    """Dates that read both ways open a question; the answer is used for the import."""
    source = tmp_path / "dates.csv"
    source.write_text("Name,Email,Birthday\nAna Lima,ana.q@example.pt,03/04/1985\n", "utf-8")
    app = ScreenApp(demo_services, lambda: ImportScreen(str(source)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(40):  # under load the dialog can take a moment to open
            if isinstance(pilot.app.screen, ChoiceModal):
                break
            await pilot.pause(0.05)
        question = pilot.app.screen
        assert isinstance(question, ChoiceModal) and "03/04/1985" in question.title_text
        await pilot.press("down", "enter")  # month first
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen) and screen.date_order == "mdy"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one(ContentSwitcher).current == "import-summary"
    born = demo_services.customers.resolve("ana.q@example.pt").date_of_birth
    assert str(born) == "1985-03-04"


async def test_template_key_writes_and_previews_a_template(
    demo_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+t writes the template in the current folder and previews its example row."""
    monkeypatch.chdir(tmp_path)
    app = ScreenApp(demo_services, ImportScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        assert (tmp_path / "crm-import-template.csv").exists()
        assert screen.query_one(ContentSwitcher).current == "import-review"
        assert screen.preview is not None and [r.action for r in screen.preview.rows] == ["create"]


async def test_import_bad_file_shows_error(demo_services: Services, tmp_path: Path) -> None:
    """A binary file stays on the first step with one clear sentence."""
    (tmp_path / "x.csv").write_bytes(bytes(range(256)) * 10)
    app = ScreenApp(demo_services, lambda: ImportScreen(str(tmp_path / "x.csv")))
    async with app.run_test(size=SIZE) as pilot:
        await settle_import(pilot)
        assert pilot.app.screen.query_one(ContentSwitcher).current == "import-file"
        error = str(pilot.app.screen.query_one("#import-file-error").render())
        assert "binary data" in error


async def test_mapping_editor_changes_a_column(demo_services: Services, tmp_path: Path) -> None:
    """enter on a mapping row picks another field; the preview follows."""
    (tmp_path / "odd.csv").write_text("Who,Mail\nAna Lima,ana@example.pt\n", encoding="utf-8")
    app = ScreenApp(demo_services, lambda: ImportScreen(str(tmp_path / "odd.csv")))
    async with app.run_test(size=SIZE) as pilot:
        await settle_import(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one(ContentSwitcher).current == "import-file"  # nothing maps yet
    app = ScreenApp(demo_services, lambda: ImportScreen(str(DATA / "hubspot_contacts.csv")))
    async with app.run_test(size=SIZE) as pilot:
        await settle_import(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#import-mapping", DataTable).focus()
        await pilot.press("enter")  # Record ID
        for _ in range(40):  # under load the dialog can take a moment to open
            if isinstance(pilot.app.screen, ChoiceModal):
                break
            await pilot.pause(0.05)
        assert isinstance(pilot.app.screen, ChoiceModal)
        pilot.app.screen.dismiss("segment")
        await settle_import(pilot)
        assert screen.mapping is not None and screen.mapping.columns[0].target == "segment"


async def test_merge_screen_merges_a_group(demo_services: Services) -> None:
    """The scan lists the group; enter shows the fields; ctrl+s and yes merge it."""
    keep, other = _duplicates(demo_services)
    app = ScreenApp(demo_services, MergeScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle_import(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MergeScreen)
        assert (keep, other) in screen.groups
        options = screen.query_one("#merge-groups", OptionList)
        options.highlighted = screen.groups.index((keep, other))
        options.focus()
        await pilot.press("enter")
        await settle_import(pilot)
        assert screen.plan is not None and screen.keep == keep
        await pilot.press("right", "enter")  # the kept column: its value stays
        await pilot.press("ctrl+s")
        await settle_import(pilot)
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("y")
        await settle_import(pilot)
    assert demo_services.customers.get(other).merged_into_id == keep


async def test_open_tools_and_palette(demo_services: Services) -> None:
    """The app-level entry points push the screens; the palette offers the tools."""
    app = ScreenApp(demo_services, ImportScreen)
    async with app.run_test(size=SIZE) as pilot:
        open_merge(app, [1, 2])
        await settle_import(pilot)
        assert isinstance(pilot.app.screen, MergeScreen)
        open_import(app)
        await settle_import(pilot)
        assert isinstance(pilot.app.screen, ImportScreen)
        provider = ToolsCommands(pilot.app.screen)
        names = [str(hit.text) async for hit in provider.discover()]
        assert sorted(names) == [
            "Billing run…", "Import customers…", "Merge duplicates…", "Overdue invoices…",
            "Reports…",
        ]  # fmt: skip


def test_import_preview_snapshot(snap_compare: SnapCompare, demo_services: Services) -> None:
    """The mapping and preview of a Google Contacts export, with a refused row."""
    # Under ~ (HOME is per test) so the path shown is the same on every machine.
    shutil.copy(DATA / "google_contacts.csv", Path.home() / "google_contacts.csv")
    app = ScreenApp(demo_services, lambda: ImportScreen("~/google_contacts.csv"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_import)


def test_merge_snapshot(snap_compare: SnapCompare, demo_services: Services) -> None:
    """A duplicate group with its differing fields side by side."""
    ids = _duplicates(demo_services)
    app = ScreenApp(demo_services, lambda: MergeScreen(list(ids)))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_import)


async def _import_stray_quote(services: Services, tmp_path: Path, key: str) -> str:
    """Import a CSV whose row 2 opens a quote that never closes; answer the prompt with `key`."""
    lines = [f"Row{i},Quote,q.{i}@stray.example\n" for i in range(1, 21)]
    lines[1] = '"Stray,Quote,q.2@stray.example\n'
    path = tmp_path / "stray.csv"
    path.write_text("First name,Last name,Email\n" + "".join(lines), encoding="utf-8")
    app = ScreenApp(services, lambda: ImportScreen(str(path)))
    async with app.run_test(size=SIZE) as pilot:
        await settle_import(pilot)
        await pilot.press("ctrl+s")
        for _ in range(100):  # the import's worker waits on the question: poll, do not join
            await pilot.pause(0.05)
            if isinstance(pilot.app.screen, ConfirmationModal):
                break
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press(key)
        await settle_import(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one(ContentSwitcher).current == "import-summary"
        return str(screen.query_one("#import-summary-text").render())


async def test_stray_quote_asks_and_stops_on_no(demo_services: Services, tmp_path: Path) -> None:
    """The clerk is asked about line 3; "n" imports only the row before it and says so."""
    before = demo_services.customers.count()
    text = await _import_stray_quote(demo_services, tmp_path, "n")
    assert "Nothing after line 3 was imported" in text
    assert demo_services.customers.count() == before + 1


async def test_stray_quote_accepted_imports_the_rest(
    demo_services: Services, tmp_path: Path
) -> None:
    """ "y" imports the 19 other rows; the stray line stays refused."""
    before = demo_services.customers.count()
    await _import_stray_quote(demo_services, tmp_path, "y")
    assert demo_services.customers.count() == before + 19
