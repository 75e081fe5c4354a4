"""config.toml: the start screen, and a bad value refused in one sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_the_locales_currency_is_worked_out_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without one named in config or the environment, loading the settings leaves the
    locale's currency unread (babel unimported: `crm lookup` never needs it); asked for,
    it is the locale's, and a new database records it. A named one is explicit."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MONETARY")}
    env.pop("CRM_REPORTING_CURRENCY", None)
    probe = (
        "import sys\n"
        "from crm_tui.config import Settings\n"
        "settings = Settings.load()\n"
        "loaded = 'babel' in sys.modules\n"
        "print(loaded, settings.reporting_currency_explicit, settings.currency())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**env, "LANG": "de_DE.UTF-8"},
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["False", "False", "EUR"], result.stderr[-500:]

    for name in ("LC_ALL", "LC_MONETARY", "CRM_REPORTING_CURRENCY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    services = open_services(Settings.load(db=str(tmp_path / "new.sqlite3")))
    try:
        assert services.ctx.reporting_currency == "EUR"
    finally:
        services.close()
    monkeypatch.setenv("CRM_REPORTING_CURRENCY", "jpy")
    named = Settings.load()
    assert (named.reporting_currency, named.reporting_currency_explicit) == ("JPY", True)
