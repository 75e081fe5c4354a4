"""The list's `x` and bulk export: a format, then a new file, written by the one exporter."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from openpyxl import load_workbook
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from crm_tui.factory import make_app
from crm_tui.services.registry import Services
from crm_tui.ui.modals.choice import ChoiceModal
from crm_tui.ui.modals.prompt import PromptModal
from crm_tui.ui.screens.customer_list import CustomerListScreen
from tests.ui.conftest import settle


async def _to_prompt(pilot: Pilot[None], keys: tuple[str, ...]) -> PromptModal[object]:
    """Press `keys` (ending on the format chosen), then the file prompt is on top."""
    await pilot.press(*keys)
    await settle(pilot)
    prompt = pilot.app.screen
    assert isinstance(prompt, PromptModal), prompt
    return prompt


async def _export(pilot: Pilot[None], prompt: PromptModal[object], target: Path) -> None:
    prompt.query_one(Input).value = str(target)
    await pilot.press("enter")
    await settle(pilot)


async def test_x_exports_every_match_as_csv(demo_services: Services, tmp_path: Path) -> None:
    """`x`, enter (CSV is first), a file name: every current match in a private CSV."""
    async with make_app(demo_services).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "x")
        await settle(pilot)
        choice = pilot.app.screen
        assert isinstance(choice, ChoiceModal)
        labels = [str(o.prompt) for o in choice.query_one(OptionList).options]
        assert labels == ["CSV (.csv)", "Excel (.xlsx)", "vCard (.vcf)", "JSON (.json)"]
        prompt = await _to_prompt(pilot, ("enter",))
        assert prompt.query_one(Input).value.endswith(".csv")
        target = tmp_path / "list.csv"
        await _export(pilot, prompt, target)
        assert isinstance(pilot.app.screen, CustomerListScreen)
        with target.open(encoding="utf-8-sig") as handle:
            assert len(list(csv.reader(handle))) == 61
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_x_to_excel_writes_a_workbook(demo_services: Services, tmp_path: Path) -> None:
    """Choosing Excel writes a real .xlsx that openpyxl opens, private, with every match."""
    async with make_app(demo_services).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        prompt = await _to_prompt(pilot, ("down", "x", "down", "enter"))
        assert prompt.query_one(Input).value.endswith(".xlsx")
        target = tmp_path / "list.xlsx"
        await _export(pilot, prompt, target)
        sheet = load_workbook(target, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "Customer number" and len(rows) == 61
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert list(tmp_path.glob(".*.part")) == []


async def test_the_file_name_decides_the_format(demo_services: Services, tmp_path: Path) -> None:
    """A name ending .xlsx after choosing CSV writes Excel; a name with no suffix, the choice."""
    async with make_app(demo_services).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _export(pilot, await _to_prompt(pilot, ("down", "x", "enter")), tmp_path / "a.xlsx")
        assert load_workbook(tmp_path / "a.xlsx").worksheets[0].max_row == 61
        keys = ("x", "down", "down", "enter")  # vCard
        await _export(pilot, await _to_prompt(pilot, keys), tmp_path / "cards")
        assert (tmp_path / "cards").read_text(encoding="utf-8").count("BEGIN:VCARD") == 60


async def test_marked_rows_and_a_taken_name(demo_services: Services, tmp_path: Path) -> None:
    """Bulk export writes the marked rows; an existing file is refused under the field."""
    (tmp_path / "taken.json").write_text("keep", encoding="utf-8")
    async with make_app(demo_services).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "space", "space", "b")
        await settle(pilot)
        menu = pilot.app.screen
        assert isinstance(menu, ChoiceModal)
        assert [str(o.prompt) for o in menu.query_one(OptionList).options][3] == "Export to a file…"
        down3 = ("down", "down", "down")
        prompt = await _to_prompt(pilot, (*down3, "enter", *down3, "enter"))  # export, JSON
        await _export(pilot, prompt, tmp_path / "taken.json")
        assert pilot.app.screen is prompt
        error = str(prompt.query_one("#prompt-error", Static).render())
        assert "already exists" in error
        assert (tmp_path / "taken.json").read_text(encoding="utf-8") == "keep"
        await _export(pilot, prompt, tmp_path / "two.json")
        text = (tmp_path / "two.json").read_text(encoding="utf-8")
        assert text.count('"number"') == 2
