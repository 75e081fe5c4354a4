"""config.toml: the start screen, and a bad value refused in one sentence."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crm_tui.config import ConfigError, Settings, config_file
from crm_tui.factory import make_app
from crm_tui.services.registry import open_services
from crm_tui.ui.screens.customer_list import CustomerListScreen
from crm_tui.ui.screens.dashboard import DashboardScreen


def write_config(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_start_screen_defaults_to_the_list() -> None:
    assert Settings.load().start_screen == "list"


def test_start_screen_from_config() -> None:
    write_config('start_screen = "Dashboard"\n')
    assert Settings.load().start_screen == "dashboard"


def test_unknown_start_screen_is_refused() -> None:
    write_config('start_screen = "reports"\n')
    with pytest.raises(ConfigError, match="must be list or dashboard, not 'reports'"):
        Settings.load()


def test_cli_reports_a_bad_config_in_one_sentence() -> None:
    write_config('start_screen = "reports"\n')
    result = subprocess.run(
        [sys.executable, "-m", "crm_tui", "lookup", "x"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("crm: start_screen in ")
    assert "Traceback" not in result.stderr


async def test_app_opens_on_the_dashboard_with_the_list_beneath(sqlite_settings: Settings) -> None:
    services = open_services(sqlite_settings)
    try:
        app = make_app(services, start_screen="dashboard")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CustomerListScreen)
            await app.workers.wait_for_complete()
    finally:
        services.close()
