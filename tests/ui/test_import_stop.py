"""Escape (or q) during an import: asked first, stopped after the batch in hand, reported."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Static

from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services
from crm_tui.ui.modals.confirmation import ConfirmationModal
from crm_tui.ui.screens.import_customers import ImportScreen
from tests.ui.conftest import ScreenApp, settle

SIZE = (80, 24)
ROWS = 3_500  # four batches of 1,000


def _people(path: Path) -> Path:
    lines = ["First name,Last name,E-mail"]
    lines += [f"Ana,Lima {n},ana.{n}@example.pt" for n in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def held_after_first_batch(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The import waits after its first batch until the test lets it go on."""
    release = threading.Event()
    real_save = ImportService._save
    calls = [0]

    def save(self: ImportService, importer: Any, rows: Any, durability: Any) -> Any:
        outcomes = real_save(self, importer, rows, durability)
        calls[0] += 1
        if calls[0] == 1:
            release.wait(30)
        return outcomes

    monkeypatch.setattr(ImportService, "_save", save)
    return release


async def _modal(pilot: Pilot[None]) -> None:
    """Wait for the question (the import's worker is held: no settling on workers here)."""
    for _ in range(100):
        if isinstance(pilot.app.screen, ConfirmationModal):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"no question; the screens are {pilot.app.screen_stack}")


async def _importing(pilot: Pilot[None], source: Path) -> ImportScreen:
    await settle(pilot, rounds=3, failures_expected=True)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    await pilot.press("ctrl+s")
    for _ in range(100):
        await pilot.pause(0.05)
        if screen.running:
            break
    assert screen.query_one(ContentSwitcher).current == "import-progress"
    return screen


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_escape_asks_then_stops_and_reports(
    svc: Services, tmp_path: Path, held_after_first_batch: threading.Event, key: str
) -> None:
    """Escape mid-import asks; "Stop" stops after the batch in hand; the screen stays,
    saying how many rows were saved and how to finish; the database holds exactly those."""
    source = _people(tmp_path / "people.csv")
    app = ScreenApp(svc, lambda: ImportScreen(str(source)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _importing(pilot, source)
        await pilot.press(key)
        await _modal(pilot)
        await pilot.press("y")
        held_after_first_batch.set()
        for _ in range(200):
            await pilot.pause(0.05)
            if not screen.running and screen.query_one(ContentSwitcher).current == "import-summary":
                break
        assert pilot.app.screen is screen and app.results == []  # still open, not headless
        text = str(screen.query_one("#import-summary-text", Static).render())
        assert "Stopped: the first 1,000 rows were done (1,000 saved, 0 refused)" in text
        assert "duplicates set to skip to finish" in text
    assert svc.customers.count() == 1_000


async def test_go_on_keeps_importing(
    svc: Services, tmp_path: Path, held_after_first_batch: threading.Event
) -> None:
    """Answering "Go on" leaves the import running to the end."""
    source = _people(tmp_path / "people.csv")
    app = ScreenApp(svc, lambda: ImportScreen(str(source)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _importing(pilot, source)
        await pilot.press("escape")
        await _modal(pilot)
        await pilot.press("n")
        held_after_first_batch.set()
        for _ in range(400):
            await pilot.pause(0.05)
            if not screen.running:
                break
        await settle(pilot)
        assert screen.query_one(ContentSwitcher).current == "import-summary"
    assert svc.customers.count() == ROWS
