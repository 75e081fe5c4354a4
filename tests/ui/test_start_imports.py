"""What opening the app loads: not the PDF library (fpdf2 with fontTools and Pillow, about
a tenth of the start-up imports) nor, on SQLite, the PostgreSQL driver. They load when a
PDF is made or a PostgreSQL database is opened."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("fpdf", "fontTools", "PIL", "psycopg")

PROGRAM = """
import json, sys
from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.registry import open_services
from crm_tui.services.live import open_feed
services = open_services(Settings(database_url=sys.argv[1], clerk="t"))
app = make_app(services)
feed = open_feed(services.ctx)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _loaded(tmp_path: Path, url: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, url],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_opening_the_app_on_sqlite_loads_no_pdf_or_postgresql_library(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    assert "textual" in loaded and "sqlalchemy" in loaded  # the program did open the app
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
