"""The wheel carries the styles, and the installed package starts the app."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

START_SCRIPT = """
import asyncio, sys
from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.registry import open_services
from crm_tui.ui import styles

assert str(styles.styles_dir()).startswith(sys.argv[1]), styles.styles_dir()
services = open_services(Settings(database_url="sqlite:///" + sys.argv[2], clerk="t"))

async def main() -> None:
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen is not None
    print("started")

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("crm_tui-*.whl"))


def test_wheel_contains_styles_and_migrations(wheel: Path) -> None:
    """The TCSS files and every migration are inside the wheel."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "crm_tui/styles/app.tcss" in names
    assert any(n.startswith("crm_tui/db/migrations/versions/0001") for n in names)
    assert "crm_tui/db/migrations/env.py" in names


def test_installed_wheel_starts_the_app(wheel: Path, tmp_path: Path) -> None:
    """Installed from the wheel (not the checkout), the app finds its styles and starts."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-c", START_SCRIPT, str(target), str(tmp_path / "w.sqlite3")],
        env={"PYTHONPATH": str(target), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "started" in result.stdout
